"""The `lower` pass: the IR graph to the dense `GraphArrays` that every backend reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.errors import PassError
from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass
from dtmc.passes.schedule import node_roles
from dtmc.program.arrays import GraphArrays

__all__ = ["LowerPass", "lower_to_arrays"]


def lower_to_arrays(ir: ModelIR) -> GraphArrays:
    """Read the IR graph once into dense arrays, numbered as `dtmc.program.arrays` prescribes.

    Base edges are sorted by (i, j); couplings are ordered by visible spin v.

    Args:
        ir: an IR on which topology, placement, coupling and colouring have run.

    Returns:
        The `GraphArrays` of the model.
    """
    graph = ir.graph
    n_nodes = graph.number_of_nodes()
    n_visible = n_nodes - ir.n_grid

    cell = np.full((n_nodes, 2), -1, dtype=np.int32)
    colour = np.empty(n_nodes, dtype=np.int8)
    visible_node = np.empty(n_visible, dtype=np.int32)
    for node, data in graph.nodes(data=True):
        if data["cell"] is not None:
            cell[node] = data["cell"]
        colour[node] = data["colour"]
        if node < ir.n_grid and "visible" in data:
            visible_node[data["visible"]] = node

    base = []
    coupling = np.empty((ir.n_steps, n_visible), dtype=np.float32)
    for i, j, data in graph.edges(data=True):
        if data["kind"] == "base":
            base.append((min(i, j), max(i, j), data["direction"]))
        else:
            coupling[:, max(i, j) - ir.n_grid] = data["weights"]

    table = np.asarray(base, dtype=np.int64).reshape(-1, 3)
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    return GraphArrays(
        side=ir.side,
        torus=bool(ir.spec.graph.torus),
        rules=tuple(tuple(int(a) for a in rule) for rule in ir.spec.graph.rules),
        role=node_roles(ir),
        cell=cell,
        colour=colour,
        visible_node=visible_node,
        edges=np.ascontiguousarray(table[:, :2], dtype=np.int32),
        edge_direction=table[:, 2].astype(np.int16),
        coupling=coupling,
    )


@register_pass
@dataclass(frozen=True)
class LowerPass(CompilerPass):
    """Lower the IR to `GraphArrays`.

    Reads: every node's `role`, `cell`, `colour`, `visible`; base edges' `direction`; coupling
    edges' `weights`.
    Writes: `ir.arrays`.
    """

    name = "lower"
    requires = ("coupling", "colouring")

    def run(self, ir: ModelIR) -> None:
        """Build `ir.arrays` from the graph."""
        ir.arrays = lower_to_arrays(ir)

    def verify(self, ir: ModelIR) -> None:
        """Check the arrays against the numbering convention and the IR's edge count."""
        arrays = ir.arrays
        try:
            arrays.validate()
        except AssertionError as error:
            raise PassError(f"lower: the arrays break the numbering convention: {error}") from error

        n_base = ir.graph.number_of_edges() - arrays.n_visible
        if arrays.edges.shape[0] != n_base:
            raise PassError(f"lower: {arrays.edges.shape[0]} base edges lowered, the IR has {n_base}")
