"""The `topology` pass: the L x L grid of hidden nodes and its rule-based base edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.errors import PassError
from dtmc.ir.checks import interior_mask, node_degrees
from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass
from dtmc.program.arrays import rule_offsets

__all__ = ["TopologyPass", "grid_edges"]


def grid_edges(side: int, torus: bool, rules: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Build the base edges of a grid pattern, without duplicates or self-loops.

    Rule (a, b) joins cell (x, y) to (x+a, y+b), (x-b, y+a), (x-a, y-b) and (x+b, y-a). On a
    torus the offsets wrap modulo `side`; on an open grid edges that leave the grid are dropped.
    Two rules that reach the same neighbour (possible on a small torus) give one edge, the one
    with the lower direction index.

    Args:
        side: grid side L.
        torus: whether the grid wraps around.
        rules: connection rules (a, b).

    Returns:
        (edges, direction): int32[m, 2] pairs (i, j) with i < j sorted by (i, j), and int16[m]
        direction `4 * rule + rotation` such that cell(j) = cell(i) + offset.
    """
    n_cells = side * side
    offsets = np.asarray(rule_offsets(rules), dtype=np.int64).reshape(-1, 2)
    n_directions = offsets.shape[0]
    x, y = np.divmod(np.arange(n_cells, dtype=np.int64), side)

    # One row per direction, one column per source cell.
    target_x = x[None, :] + offsets[:, :1]
    target_y = y[None, :] + offsets[:, 1:]
    if torus:
        target_x %= side
        target_y %= side
        valid = np.ones(target_x.shape, dtype=bool)
    else:
        valid = (target_x >= 0) & (target_x < side) & (target_y >= 0) & (target_y < side)

    source = np.broadcast_to(np.arange(n_cells), target_x.shape)
    target = target_x * side + target_y
    direction = np.broadcast_to(np.arange(n_directions)[:, None], target_x.shape)
    valid &= source != target
    source, target, direction = source[valid], target[valid], direction[valid]

    # Orient every edge low -> high; the reverse of rotation r is rotation r + 2 of the same rule.
    flipped = source > target
    low = np.where(flipped, target, source)
    high = np.where(flipped, source, target)
    reverse = 4 * (direction // 4) + (direction % 4 + 2) % 4
    direction = np.where(flipped, reverse, direction)

    # np.unique keeps the first occurrence, and rows are in direction order.
    _, first = np.unique(low * n_cells + high, return_index=True)
    edges = np.stack([low[first], high[first]], axis=1).astype(np.int32)
    return edges, direction[first].astype(np.int16)


@register_pass
@dataclass(frozen=True)
class TopologyPass(CompilerPass):
    """Create the grid: L * L hidden nodes and the base edges of the pattern's rules.

    Reads: `spec.graph.side`, `spec.graph.torus`, `spec.graph.rules`.
    Writes: graph attributes `side`, `torus`, `rules`; grid nodes with `role="hidden"` and `cell`;
    base edges with `kind="base"` and `direction`.
    """

    name = "topology"

    def run(self, ir: ModelIR) -> None:
        """Add the grid nodes and base edges to `ir.graph`."""
        graph_spec = ir.spec.graph
        side = graph_spec.side
        graph = ir.graph
        graph.graph.update(side=side, torus=graph_spec.torus, rules=tuple(graph_spec.rules))

        x, y = np.divmod(np.arange(side * side), side)
        graph.add_nodes_from(
            (node, {"role": "hidden", "cell": (cx, cy)})
            for node, cx, cy in zip(range(side * side), x.tolist(), y.tolist())
        )

        edges, direction = grid_edges(side, graph_spec.torus, tuple(graph_spec.rules))
        graph.add_edges_from(
            (i, j, {"kind": "base", "direction": d})
            for (i, j), d in zip(edges.tolist(), direction.tolist())
        )

    def verify(self, ir: ModelIR) -> None:
        """Check that every interior node has degree 4 * len(rules) and that no edge repeats."""
        graph_spec = ir.spec.graph
        edges = np.asarray([(i, j) for i, j, kind in ir.graph.edges(data="kind") if kind == "base"])
        degree = node_degrees(edges, ir.n_grid)
        interior = interior_mask(graph_spec.side, graph_spec.torus, tuple(graph_spec.rules))
        expected = 4 * len(graph_spec.rules)

        short = np.flatnonzero(interior & (degree != expected))
        if short.size:
            node = int(short[0])
            raise PassError(
                f"topology: {short.size} interior nodes do not have degree {expected}, e.g. node {node} "
                f"at cell {divmod(node, graph_spec.side)} has degree {int(degree[node])}; on a torus this "
                f"happens when two rule offsets meet modulo side {graph_spec.side}: use a larger grid"
            )
