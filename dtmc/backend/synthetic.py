"""Build GraphArrays for a plain grid pattern without a model file, for benchmarks and tests."""

from __future__ import annotations

import numpy as np

from dtmc.errors import CheckError
from dtmc.program.arrays import (
    INPUT_COLOUR,
    ROLE_HIDDEN,
    ROLE_IMAGE,
    ROLE_INPUT,
    GraphArrays,
    rule_offsets,
)

__all__ = ["grid_graph"]


def grid_graph(
    side: int,
    rules: tuple[tuple[int, int], ...],
    *,
    torus: bool = True,
    n_visible: int = 0,
    couplings: np.ndarray | None = None,
) -> GraphArrays:
    """Build the L x L grid graph of `rules` with checkerboard colours and raster-placed visibles.

    Visible spin v sits on the v-th colour-0 cell in raster order. Edges are kept once, from the
    endpoint with the smaller node number, so an offset that wraps onto the same pair twice on a
    small torus gives two parallel edges.

    Args:
        side: grid side L.
        rules: connection rules (a, b), each with a + b odd.
        torus: wrap edges around the grid.
        n_visible: number of visible spins (and input nodes).
        couplings: float32[T, n_visible] fixed input couplings; one step of zeros when None.

    Returns:
        The validated GraphArrays.

    Raises:
        CheckError: if a rule has a + b even, a torus side is odd, or the visibles do not fit.
    """
    for a, b in rules:
        if (a + b) % 2 == 0:
            raise CheckError(f"rule ({a}, {b}) has a + b even, so the grid is not two-colourable; use a + b odd")
    if torus and side % 2:
        raise CheckError(f"torus side {side} is odd, so the grid is not two-colourable; use an even side")

    n_grid = side * side
    xs, ys = np.divmod(np.arange(n_grid), side)
    colour = ((xs + ys) % 2).astype(np.int8)
    visible_node = np.flatnonzero(colour == 0)[:n_visible].astype(np.int32)
    if visible_node.shape[0] < n_visible:
        raise CheckError(f"n_visible={n_visible} exceeds the {visible_node.shape[0]} colour-0 cells of a {side}x{side} grid")

    if couplings is None:
        couplings = np.zeros((1, n_visible), np.float32)
    couplings = np.asarray(couplings, np.float32)
    if couplings.ndim != 2 or couplings.shape[1] != n_visible:
        raise CheckError(f"couplings has shape {couplings.shape}; expected (steps, {n_visible})")

    # Each ordered pair (i, j) with i < j keeps the direction that leads from i to j.
    edge_rows = []
    for direction, (dx, dy) in enumerate(rule_offsets(rules)):
        tx, ty = xs + dx, ys + dy
        if torus:
            tx, ty = tx % side, ty % side
            inside = np.ones(n_grid, bool)
        else:
            inside = (tx >= 0) & (tx < side) & (ty >= 0) & (ty < side)
        source = np.arange(n_grid)[inside]
        target = (tx * side + ty)[inside]
        keep = source < target
        edge_rows.append(np.stack([source[keep], target[keep], np.full(keep.sum(), direction)], axis=1))
    table = np.concatenate(edge_rows, axis=0)
    table = table[np.lexsort((table[:, 2], table[:, 1], table[:, 0]))]

    role = np.full(n_grid + n_visible, ROLE_HIDDEN, np.int8)
    role[visible_node] = ROLE_IMAGE
    role[n_grid:] = ROLE_INPUT
    cell = np.full((n_grid + n_visible, 2), -1, np.int32)
    cell[:n_grid, 0], cell[:n_grid, 1] = xs, ys

    graph = GraphArrays(
        side=side,
        torus=torus,
        rules=tuple(tuple(rule) for rule in rules),
        role=role,
        cell=cell,
        colour=np.concatenate([colour, np.full(n_visible, INPUT_COLOUR, np.int8)]),
        visible_node=visible_node,
        edges=table[:, :2].astype(np.int32),
        edge_direction=table[:, 2].astype(np.int16),
        coupling=couplings,
    )
    graph.validate()
    return graph
