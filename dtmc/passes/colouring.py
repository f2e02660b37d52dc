"""The `colouring` pass: block colours of the grid nodes, exact for bipartite grids."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np

from dtmc.errors import PassError
from dtmc.ir.checks import improper_edges
from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass
from dtmc.program.arrays import INPUT_COLOUR

__all__ = ["ColouringPass", "ColouringWarning", "checkerboard_colours", "greedy_colours", "base_edge_array"]


class ColouringWarning(UserWarning):
    """The grid is not bipartite, so a greedy colouring with more than two colours is used."""


def base_edge_array(ir: ModelIR) -> np.ndarray:
    """Return int64[m, 2], the base edges of the IR in graph iteration order."""
    pairs = [(i, j) for i, j, kind in ir.graph.edges(data="kind") if kind == "base"]
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def checkerboard_colours(side: int) -> np.ndarray:
    """Return int8[side * side], the colour (x + y) mod 2 of every grid cell."""
    x, y = np.divmod(np.arange(side * side), side)
    return ((x + y) % 2).astype(np.int8)


def greedy_colours(ir: ModelIR) -> np.ndarray:
    """Colour the grid with networkx's greedy colouring, visible nodes first.

    Visible nodes are visited first (ascending node id), then the rest largest-degree first, so
    visible nodes that share no edge all get colour 0. The order depends only on node ids and
    degrees, so the colouring is the same in every process.

    Returns:
        int8[L*L] colours 0..k-1.
    """
    grid = ir.graph.subgraph(range(ir.n_grid))
    visible = [node for node in range(ir.n_grid) if "visible" in grid.nodes[node]]
    visible_set = set(visible)
    rest = sorted((node for node in range(ir.n_grid) if node not in visible_set), key=lambda n: (-grid.degree[n], n))
    order = visible + rest

    colouring = nx.greedy_color(grid, strategy=lambda graph, colours: iter(order))
    return np.asarray([colouring[node] for node in range(ir.n_grid)], dtype=np.int8)


@register_pass
@dataclass(frozen=True)
class ColouringPass(CompilerPass):
    """Give every grid node a block colour so that no base edge joins two nodes of one colour.

    Options:
        method: `auto` uses the checkerboard when it is proper and a greedy colouring otherwise,
            with a `ColouringWarning` that names the colour count. `checkerboard` and `greedy`
            force one method.

    Reads: base edges, grid node ids, `visible`.
    Writes: `colour` on every node (input nodes get `INPUT_COLOUR`); graph attributes
    `n_colours`, `colouring` ("checkerboard" or "greedy") and `bipartite`.
    """

    name = "colouring"
    requires = ("topology",)

    method: Literal["auto", "checkerboard", "greedy"] = "auto"

    def run(self, ir: ModelIR) -> None:
        """Compute the colouring and write it onto the nodes."""
        edges = base_edge_array(ir)
        colours = checkerboard_colours(ir.side)
        bad = improper_edges(edges, colours)
        bipartite_checkerboard = bad.size == 0

        if self.method == "checkerboard" and not bipartite_checkerboard:
            i, j = edges[bad[0]]
            raise PassError(
                f"colouring: the checkerboard is not a proper colouring of this grid: edge {int(i)}-{int(j)} "
                f"joins two cells of one colour ({bad.size} such edges); use an even torus side and rules "
                "(a, b) with a + b odd, or colouring method 'auto'"
            )

        method = "checkerboard"
        if self.method == "greedy" or not bipartite_checkerboard:
            method = "greedy"
            colours = greedy_colours(ir)
        n_colours = int(colours.max()) + 1 if colours.size else 0
        if method == "greedy" and not bipartite_checkerboard:
            warnings.warn(
                f"the {ir.side}x{ir.side} grid is not bipartite, so greedy colouring uses {n_colours} colours "
                f"and one sweep takes {n_colours} phases; an even torus side and rules with a + b odd "
                "give the exact two-colouring",
                ColouringWarning,
                stacklevel=2,
            )

        values = {node: int(c) for node, c in enumerate(colours.tolist())}
        values.update({node: INPUT_COLOUR for node in range(ir.n_grid, ir.graph.number_of_nodes())})
        nx.set_node_attributes(ir.graph, values, "colour")
        ir.graph.graph.update(n_colours=n_colours, colouring=method, bipartite=bipartite_checkerboard)

    def verify(self, ir: ModelIR) -> None:
        """Prove that each colour block is an independent set; warn if visible nodes span colours."""
        colours = np.asarray([ir.graph.nodes[n]["colour"] for n in range(ir.n_grid)])
        edges = base_edge_array(ir)
        bad = improper_edges(edges, colours)
        if bad.size:
            i, j = edges[bad[0]]
            raise PassError(f"colouring: edge {int(i)}-{int(j)} joins two nodes of colour {int(colours[i])}")

        visible_colours = {int(colours[n]) for n, v in ir.graph.nodes(data="visible") if v is not None and n < ir.n_grid}
        if ir.graph.graph["colouring"] == "checkerboard" and visible_colours - {0}:
            raise PassError(f"colouring: visible nodes lie on colours {sorted(visible_colours)}, expected only 0")
        if len(visible_colours) > 1:
            # NOTE: the placement pass keeps visible nodes pairwise non-adjacent, so this only happens
            # when a custom placement puts two visible nodes next to each other.
            warnings.warn(
                f"visible nodes lie on {len(visible_colours)} colours {sorted(visible_colours)}",
                ColouringWarning,
                stacklevel=2,
            )
