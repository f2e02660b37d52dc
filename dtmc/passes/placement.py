"""The `placement` pass: which grid cells hold the visible image and label spins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from dtmc.errors import PassError
from dtmc.ir.model import ModelIR, visible_layout
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass

__all__ = ["PlacementPass", "PLACEMENT_STRATEGIES", "visible_candidates", "place_visible"]

# Colour that visible nodes take in the checkerboard: cells with x + y even.
VISIBLE_PARITY = 0


def visible_candidates(side: int, edges: np.ndarray | None = None) -> np.ndarray:
    """Return the cells that may hold visible spins: checkerboard colour 0 (x + y even), ascending.

    On a bipartite grid no edge joins two such cells. On other grids (odd torus side, a rule with
    a + b even) some do, so for each such edge, in (i, j) order, the higher node is dropped while
    both are still candidates. The result is an independent set, which keeps all visible nodes
    on one colour of the greedy colouring.

    Args:
        side: grid side L.
        edges: int[m, 2] base edges; None skips the independence filter.
    """
    x, y = np.divmod(np.arange(side * side), side)
    even = (x + y) % 2 == VISIBLE_PARITY
    if edges is not None and len(edges):
        edges = np.asarray(edges, dtype=np.int64)
        low, high = edges.min(axis=1), edges.max(axis=1)
        clash = even[low] & even[high]
        for i, j in sorted(zip(low[clash].tolist(), high[clash].tolist())):
            if even[i] and even[j]:
                even[j] = False
    return np.flatnonzero(even)


def _place_raster(candidates: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Fill the candidate cells in row-major order."""
    return candidates[:count]


def _place_random(candidates: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Draw `count` distinct candidate cells in a random order from a PCG64 generator seeded with `seed`."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return candidates[rng.permutation(candidates.size)[:count]]


def _place_spread(candidates: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Take `count` candidates evenly spaced through the row-major order."""
    if count == 0:
        return candidates[:0]
    return candidates[(np.arange(count) * candidates.size) // count]


PLACEMENT_STRATEGIES: dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {
    "random": _place_random,
    "raster": _place_raster,
    "spread": _place_spread,
}


def place_visible(side: int, count: int, strategy: str, seed: int, edges: np.ndarray | None = None) -> np.ndarray:
    """Choose the grid node of each visible spin, all on checkerboard colour 0.

    The result depends only on the arguments (numpy arrays and a seeded PCG64 generator), never
    on set or dict iteration order, so it is the same in every process.

    Args:
        side: grid side L.
        count: number of visible spins V.
        strategy: a key of `PLACEMENT_STRATEGIES`.
        seed: seed of the `random` strategy; the others ignore it.
        edges: base edges, so that on a non-bipartite grid no two visible nodes are adjacent.

    Returns:
        int64[V], the grid node of visible spin v; all distinct.

    Raises:
        PassError: if the strategy is unknown or the spins do not fit on one colour.
    """
    place = PLACEMENT_STRATEGIES.get(strategy)
    if place is None:
        raise PassError(
            f"unknown placement strategy '{strategy}'; choose one of {', '.join(sorted(PLACEMENT_STRATEGIES))}"
        )
    candidates = visible_candidates(side, edges)
    if count > candidates.size:
        raise PassError(
            f"placement: {count} visible spins do not fit on the {candidates.size} free cells of one colour "
            f"of a {side}x{side} grid; use a larger grid (a bipartite grid needs side {_min_side(count)} or more), "
            "or fewer image pixels, grey levels or label copies"
        )
    if seed < 0:
        raise PassError(f"placement seed must be a non-negative integer, got {seed}")
    return place(candidates, count, seed).astype(np.int64)


def _min_side(count: int) -> int:
    """Return the smallest grid side whose colour-0 cells, ceil(L*L / 2), hold `count` spins."""
    side = 1
    while (side * side + 1) // 2 < count:
        side += 1
    return side


@register_pass
@dataclass(frozen=True)
class PlacementPass(CompilerPass):
    """Mark the grid nodes that hold visible spins: cells of checkerboard colour 0, no two adjacent.

    Options:
        strategy: `random`, `raster` or `spread`; None takes `spec.graph.place`.
        seed: seed of the `random` strategy; None takes `spec.graph.place_seed`.

    Reads: grid nodes, base edges; `spec.data`, `spec.labels`, `spec.graph.place`, `spec.graph.place_seed`.
    Writes: on visible nodes `role` ("image" or "label"), `visible`, and `pixel`/`level` or
    `label_class`/`label_copy`; graph attributes `placement` and `placement_seed`.
    """

    name = "placement"
    requires = ("topology",)

    strategy: str | None = None
    seed: int | None = None

    def run(self, ir: ModelIR) -> None:
        """Place the visible spins and write their attributes onto the grid nodes."""
        strategy = self.strategy or ir.spec.graph.place
        seed = ir.spec.graph.place_seed if self.seed is None else self.seed
        edges = [(i, j) for i, j, kind in ir.graph.edges(data="kind") if kind == "base"]
        nodes = place_visible(ir.side, ir.spec.visible_spins, strategy, seed, np.asarray(edges).reshape(-1, 2))
        layout = visible_layout(ir.spec)

        attributes = {}
        for v, node in enumerate(nodes.tolist()):
            if layout["is_label"][v]:
                attributes[node] = {
                    "role": "label",
                    "visible": v,
                    "label_class": int(layout["label_class"][v]),
                    "label_copy": int(layout["label_copy"][v]),
                }
            else:
                attributes[node] = {
                    "role": "image",
                    "visible": v,
                    "pixel": int(layout["pixel"][v]),
                    "level": int(layout["level"][v]),
                }
        nx.set_node_attributes(ir.graph, attributes)
        ir.graph.graph.update(placement=strategy, placement_seed=seed)

    def verify(self, ir: ModelIR) -> None:
        """Check that each visible spin sits on exactly one colour-0 grid node."""
        visible = dict(ir.graph.nodes(data="visible", default=None))
        placed = sorted((v, node) for node, v in visible.items() if v is not None and node < ir.n_grid)
        if [v for v, _ in placed] != list(range(ir.spec.visible_spins)):
            raise PassError(
                f"placement: expected visible spins 0..{ir.spec.visible_spins - 1} on distinct grid nodes, "
                f"found {len(placed)}"
            )
        off_colour = [node for _, node in placed if sum(divmod(node, ir.side)) % 2 != VISIBLE_PARITY]
        if off_colour:
            raise PassError(f"placement: visible node {off_colour[0]} is not on checkerboard colour 0")
