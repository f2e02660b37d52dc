"""Dense array form of a compiled DTM graph: the contract between the compiler and every backend.

Node numbering (fixed, so backends can index without lookups):

* nodes `0 .. L*L - 1` are grid cells; cell (x, y) is node `x * L + y`;
* nodes `L*L .. L*L + V - 1` are the input nodes; input `v` is coupled only to the grid node
  `visible_node[v]` that holds visible spin `v`.

Visible spins are numbered image first, then labels: image spin `p * spins_per_pixel + level` for
pixel `p = row * side + col`, then label spin `image_spins + copy * n_classes + class_index`.

All diffusion steps share one base graph; they differ only in the fixed input couplings
(`coupling[step, v]`) and in their trained parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ROLE_INPUT",
    "ROLE_IMAGE",
    "ROLE_LABEL",
    "ROLE_HIDDEN",
    "ROLE_NAMES",
    "EDGE_BASE",
    "EDGE_COUPLING",
    "INPUT_COLOUR",
    "GraphArrays",
    "rule_offsets",
]

ROLE_INPUT, ROLE_IMAGE, ROLE_LABEL, ROLE_HIDDEN = 0, 1, 2, 3
ROLE_NAMES = ("input", "image", "label", "hidden")
EDGE_BASE, EDGE_COUPLING = 0, 1

# Input nodes are always clamped, so they form their own block after the grid's two colours.
INPUT_COLOUR = 2


def rule_offsets(rules: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Return the four cell offsets (dx, dy) of every rule, in order: direction `4 * r + k`.

    Rule (a, b) joins (x, y) to (x+a, y+b), (x-b, y+a), (x-a, y-b) and (x+b, y-a).
    """
    offsets = []
    for a, b in rules:
        offsets.extend([(a, b), (-b, a), (-a, -b), (b, -a)])
    return offsets


@dataclass(frozen=True, eq=False)
class GraphArrays:
    """One base graph plus the per-step fixed couplings, as dense numpy arrays.

    Attributes:
        side: grid side L.
        torus: whether grid edges wrap around.
        rules: connection rules (a, b) of the grid pattern.
        role: int8[n_nodes], one of the ROLE_* codes.
        cell: int32[n_nodes, 2], grid cell (x, y) of each node; (-1, -1) for input nodes.
        colour: int8[n_nodes], 0 or 1 for grid nodes (a proper 2-colouring for bipartite grids,
            or 0..k-1 for a greedy colouring), INPUT_COLOUR for input nodes.
        visible_node: int32[V], grid node holding visible spin v.
        edges: int32[m, 2], base edges (i < j) between grid nodes; trainable.
        edge_direction: int16[m], direction index `4 * rule + rotation` with cell(j) = cell(i) + offset
            (modulo L on a torus), or -1 for edges that are not from a grid rule.
        coupling: float32[T, V], fixed input-to-visible coupling J of each step and visible spin.
    """

    side: int
    torus: bool
    rules: tuple[tuple[int, int], ...]
    role: np.ndarray
    cell: np.ndarray
    colour: np.ndarray
    visible_node: np.ndarray
    edges: np.ndarray
    edge_direction: np.ndarray
    coupling: np.ndarray

    @property
    def n_grid(self) -> int:
        """Number of grid nodes (L*L)."""
        return self.side * self.side

    @property
    def n_visible(self) -> int:
        """Number of visible spins V, equal to the number of input nodes."""
        return int(self.visible_node.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of nodes: grid cells plus input nodes."""
        return self.n_grid + self.n_visible

    @property
    def n_steps(self) -> int:
        """Number of diffusion steps T."""
        return int(self.coupling.shape[0])

    @property
    def n_colours(self) -> int:
        """Number of colours of the grid nodes."""
        return int(self.colour[: self.n_grid].max()) + 1

    def validate(self) -> None:
        """Check shapes and the numbering convention.

        Raises:
            AssertionError: naming the first broken invariant. The checks are explicit, so they
                also run under `python -O`.
        """
        n, v = self.n_nodes, self.n_visible
        # Each condition is a function, so a check that would index a malformed array runs only
        # after the shape checks before it passed.
        checks = (
            (lambda: self.role.shape == (n,), f"role has shape {self.role.shape}, expected ({n},)"),
            (lambda: self.cell.shape == (n, 2), f"cell has shape {self.cell.shape}, expected ({n}, 2)"),
            (lambda: self.colour.shape == (n,), f"colour has shape {self.colour.shape}, expected ({n},)"),
            (lambda: self.edges.ndim == 2 and self.edges.shape[1] == 2, f"edges has shape {self.edges.shape}, expected (m, 2)"),
            (lambda: self.edge_direction.shape == (self.edges.shape[0],), "edge_direction needs one entry per edge"),
            (lambda: self.coupling.ndim == 2 and self.coupling.shape[1] == v, f"coupling has shape {self.coupling.shape}, expected (T, {v})"),
            (lambda: bool(np.all(self.role[self.n_grid :] == ROLE_INPUT)), "nodes after the grid must be input nodes"),
            (lambda: bool(np.all(self.colour[self.n_grid :] == INPUT_COLOUR)), f"input nodes must have colour {INPUT_COLOUR}"),
            (lambda: bool(np.all(self.edges[:, 0] < self.edges[:, 1])), "every edge must be stored as (i, j) with i < j"),
            (lambda: bool(np.all(self.edges < self.n_grid)), "base edges must join grid nodes only"),
            (lambda: bool(np.all(np.isin(self.role[self.visible_node], (ROLE_IMAGE, ROLE_LABEL)))), "visible_node must point at image or label nodes"),
        )
        for holds, message in checks:
            if not holds():
                raise AssertionError(f"invalid graph arrays: {message}")
