"""Block-Gibbs kernel for any graph and colouring: padded neighbour lists gathered row by row.

Grid nodes are renumbered colour by colour, so each colour is one contiguous block of rows of the
`[n_grid + 1, chains]` state and an update writes a static slice. The last row is a zero spin
that padded neighbour slots point at; padded slots also carry weight 0.
"""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int8

from dtmc.backend.params import Params
from dtmc.backend.random_bits import draw_spins
from dtmc.program.arrays import GraphArrays

__all__ = ["GenericKernel"]


class GenericKernel:
    """Index tables and update rules of the gather kernel for one graph and clamp mask."""

    def __init__(self, graph: GraphArrays, free_mask: np.ndarray):
        n_grid, m = graph.n_grid, graph.edges.shape[0]
        colour = graph.colour[:n_grid].astype(np.int64)
        self.n_grid, self.n_edges = n_grid, m
        self.n_colours = int(colour.max()) + 1

        # Position of each node in the colour-blocked order; position n_grid is the zero row.
        order = np.argsort(colour, kind="stable")
        self.position = np.empty(n_grid + 1, np.int32)
        self.position[order] = np.arange(n_grid, dtype=np.int32)
        self.position[n_grid] = n_grid
        counts = np.bincount(colour, minlength=self.n_colours)
        self.block_start = np.concatenate([[0], np.cumsum(counts)]).astype(int)

        # Padded neighbour lists in blocked positions, with the edge each slot reads its weight from.
        endpoints = np.concatenate([graph.edges, graph.edges[:, ::-1]])
        edge_ids = np.concatenate([np.arange(m), np.arange(m)])
        by_node = np.argsort(endpoints[:, 0], kind="stable")
        endpoints, edge_ids = endpoints[by_node], edge_ids[by_node]
        degree = np.bincount(endpoints[:, 0], minlength=n_grid)
        max_degree = int(degree.max()) if m else 0
        rank = np.arange(endpoints.shape[0]) - np.repeat(np.cumsum(degree) - degree, degree)
        neighbour = np.full((n_grid, max_degree), n_grid, np.int32)
        neighbour_edge = np.full((n_grid, max_degree), m, np.int32)
        neighbour[endpoints[:, 0], rank] = endpoints[:, 1]
        neighbour_edge[endpoints[:, 0], rank] = edge_ids
        neighbour = self.position[neighbour]

        self.neighbour, self.neighbour_edge, self.free = [], [], []
        free_grid = np.asarray(free_mask[:n_grid], bool)
        for c in range(self.n_colours):
            nodes = order[self.block_start[c] : self.block_start[c + 1]]
            self.neighbour.append(neighbour[nodes])
            self.neighbour_edge.append(neighbour_edge[nodes])
            self.free.append(free_grid[nodes][:, None])
            if np.any(colour[_neighbours_of(graph, nodes)] == c):
                raise ValueError(f"colour {c} contains an edge, so the colouring is not proper")

        self.edge_positions = self.position[graph.edges]

    def prepare(
        self,
        params: Params,
        input_coupling: Float[Array, "n_grid"],
        input_spins: Int8[Array, "n_grid chains"],
        state0_grid: Int8[Array, "n_grid chains"],
    ):
        """Lay out weights, biases, input fields and the initial state in colour-blocked order.

        Args:
            params: edge weights and grid biases.
            input_coupling: fixed coupling J of the input attached to each grid node, 0 where none.
            input_spins: value of that input per chain, 0 where none.
            state0_grid: initial grid spins, nodes first.

        Returns:
            (prepared arrays, initial state).
        """
        weights = jnp.concatenate([params.weights.astype(jnp.float32), jnp.zeros((1,), jnp.float32)])
        order = self.position[: self.n_grid]
        chains = state0_grid.shape[1]
        input_field = input_coupling[:, None] * input_spins.astype(jnp.float32)
        field = jnp.zeros((self.n_grid, chains), jnp.float32)
        field = field.at[order].set(params.biases.astype(jnp.float32)[:, None] + input_field)
        state = jnp.zeros((self.n_grid + 1, chains), jnp.int8).at[order].set(state0_grid)

        slot_weights = tuple(weights[edges] for edges in self.neighbour_edge)
        return (slot_weights, field), state

    def update(self, prepared, state: Array, colour: int, beta: Array, bits: Callable[[tuple[int, ...]], Array]) -> Array:
        """Resample every free spin of `colour` given all other colours."""
        slot_weights, field_all = prepared
        start, stop = self.block_start[colour], self.block_start[colour + 1]
        field = field_all[start:stop]
        neighbour = self.neighbour[colour]
        for slot in range(neighbour.shape[1]):
            field = field + slot_weights[colour][:, slot, None] * state[neighbour[:, slot]].astype(jnp.float32)

        new = draw_spins(field, beta, bits(field.shape))
        new = jnp.where(self.free[colour], new, state[start:stop])
        return state.at[start:stop].set(new)

    def as_float(self, state: Array) -> Array:
        """Return the state as float32 in the same layout, for accumulating sums."""
        return state.astype(jnp.float32)

    def pair_sums(self, values: Array) -> Float[Array, "m"]:
        """Return sum over chains of values_i * values_j for every base edge."""
        return jnp.sum(values[self.edge_positions[:, 0]] * values[self.edge_positions[:, 1]], axis=-1)

    def to_nodes(self, values: Array) -> Array:
        """Return layout values as `[n_grid, chains]` in node order."""
        return values[self.position[: self.n_grid]]


def _neighbours_of(graph: GraphArrays, nodes: np.ndarray) -> np.ndarray:
    """Return the grid nodes adjacent to any of `nodes` (with repeats)."""
    in_block = np.zeros(graph.n_grid, bool)
    in_block[nodes] = True
    first, second = graph.edges[:, 0], graph.edges[:, 1]
    return np.concatenate([second[in_block[first]], first[in_block[second]]])
