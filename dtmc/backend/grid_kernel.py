"""Fast block-Gibbs kernel for two-coloured grid patterns: neighbour sums from shifted arrays.

Each colour's spins are stored compressed as `[L, H, chains]` with H = ceil(L / 2). Row x contains
the cells (x, y) of that colour, with y = 2k + r(x) in column k and a row parity r(x) that alternates.
A rule offset (dx, dy) maps a colour's block onto the other colour's block by a shift of dx rows
and a column shift that depends only on r(x). Every neighbour sum is therefore a window of a
haloed copy of the other block, never a gather. The halo wraps on a torus and is zero on an open
grid. A slot whose neighbour is off the grid, and a padding cell past the end of a row of odd
length, get weight 0, and padding cells are never updated.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int8

from dtmc.backend.params import Params
from dtmc.backend.random_bits import draw_spins
from dtmc.program.arrays import GraphArrays, rule_offsets

__all__ = ["GridKernel", "grid_kernel_supported"]

GridState = tuple[Int8[Array, "L H chains"], Int8[Array, "L H chains"]]


def grid_kernel_supported(graph: GraphArrays) -> str | None:
    """Return why the grid kernel cannot run `graph`, or None when it can.

    It needs a checkerboard 2-colouring, every base edge on a rule direction, and at most one edge
    per (node, direction) slot.
    """
    side, n_grid = graph.side, graph.n_grid
    if np.any(graph.edge_direction < 0):
        return "some base edges are not on a grid rule direction"
    xs, ys = np.divmod(np.arange(n_grid), side)
    colour = graph.colour[:n_grid].astype(np.int64)
    parity = int(colour[0])
    if not np.array_equal(colour, (xs + ys + parity) % 2):
        return "the grid colouring is not a checkerboard"
    if graph.torus and side % 2:
        return f"a torus of odd side {side} has no checkerboard colouring"

    slots = np.concatenate([
        graph.edges[:, 0].astype(np.int64) * 256 + graph.edge_direction,
        graph.edges[:, 1].astype(np.int64) * 256 + _reverse(graph.edge_direction),
    ])
    if np.unique(slots).shape[0] != slots.shape[0]:
        return "two edges share a (node, direction) slot"
    return None


def _nearest(shift: int, period: int) -> int:
    """Return the representative of `shift` modulo `period` closest to zero."""
    return (shift + period // 2) % period - period // 2


def _reverse(direction: np.ndarray) -> np.ndarray:
    # Rotation k of a rule and rotation k + 2 are opposite offsets.
    return (direction // 4) * 4 + (direction % 4 + 2) % 4


class GridKernel:
    """Index tables and update rules of the shifted-array kernel for one graph and clamp mask."""

    n_colours = 2

    def __init__(self, graph: GraphArrays, free_mask: np.ndarray):
        reason = grid_kernel_supported(graph)
        if reason is not None:
            raise ValueError(f"grid kernel cannot run this graph: {reason}")
        side, n_grid, m = graph.side, graph.n_grid, graph.edges.shape[0]
        self.graph = graph
        self.n_grid, self.n_edges = n_grid, m
        self.height = (side + 1) // 2
        self.offsets = rule_offsets(graph.rules)
        parity = int(graph.colour[0])

        # Compressed position (x, k) of every cell of each colour; `n_grid` marks padding.
        rows = np.arange(side)[:, None]
        ks = np.arange(self.height)[None, :]
        self.row_parity = []
        self.node_of = []
        for c in range(2):
            r = (rows + c + parity) % 2
            ys = 2 * ks + r
            node = np.where(ys < side, rows * side + ys, n_grid)
            self.row_parity.append(np.broadcast_to(r, (side, self.height))[:, :1, None].astype(bool))
            self.node_of.append(node.astype(np.int32))

        # Edge of each (direction, x, k) slot of each colour; `m` marks an empty slot.
        slot_edge = np.full((len(self.offsets), n_grid + 1), m, np.int32)
        edge_ids = np.arange(m, dtype=np.int32)
        slot_edge[graph.edge_direction, graph.edges[:, 0]] = edge_ids
        slot_edge[_reverse(graph.edge_direction), graph.edges[:, 1]] = edge_ids
        self.slot_edge = [slot_edge[:, node] for node in self.node_of]

        # Slot of every edge seen from its colour-0 endpoint, for pair sums over edges.
        flat = self.slot_edge[0].reshape(-1)
        used = flat < m
        self.edge_slot0 = np.zeros(m, np.int32)
        self.edge_slot0[flat[used]] = np.flatnonzero(used).astype(np.int32)
        if used.sum() != m:
            raise ValueError("grid kernel: some edges have no colour-0 endpoint slot")

        free_pad = np.concatenate([np.asarray(free_mask[:n_grid], bool), [False]])
        self.free = [free_pad[node][:, :, None] for node in self.node_of]
        self._plan_shifts(side)

    def _plan_shifts(self, side: int) -> None:
        """Precompute, per colour and direction, the row and column shifts of both row parities.

        On a torus the shifts are reduced to the range nearest zero, so the halo stays small. On
        an open grid a direction at least L long has no edge, so it gets no shift.
        """
        self.shifts = []
        for colour in range(2):
            per_direction = []
            for dx, dy in self.offsets:
                if not self.graph.torus and (abs(dx) >= side or abs(dy) >= side):
                    per_direction.append(None)
                    continue
                if dx % 2:
                    columns = (dy // 2, dy // 2)
                else:
                    columns = ((dy - 1) // 2, (dy + 1) // 2)
                if self.graph.torus:
                    dx = _nearest(dx, side)
                    columns = tuple(_nearest(c, self.height) for c in columns)
                per_direction.append((dx, columns))
            self.shifts.append(per_direction)

        used = [shift for per_direction in self.shifts for shift in per_direction if shift is not None]
        self.halo_rows = max([abs(dx) for dx, _ in used], default=0)
        self.halo_columns = max([abs(c) for _, columns in used for c in columns], default=0)

    def _extend(self, other: Array) -> Array:
        """Pad the other colour's block with a halo: wrapped on a torus, zeros on an open grid."""
        pad = ((self.halo_rows, self.halo_rows), (self.halo_columns, self.halo_columns), (0, 0))
        extended = jnp.pad(other, pad, mode="wrap" if self.graph.torus else "constant")

        # Without the barrier XLA fuses the wrapping pad into every window read, which re-derives
        # the wrap per element and made updates about twice as slow on a 60x60 G12 torus.
        return jax.lax.optimization_barrier(extended)

    def _neighbours(self, extended: Array, colour: int, direction: int) -> Array | None:
        """Return other-colour spins seen through one direction from each cell of `colour`."""
        shift = self.shifts[colour][direction]
        if shift is None:
            return None
        dx, columns = shift
        side, height = self.graph.side, self.height
        row0 = self.halo_rows + dx

        def window(column_shift: int) -> Array:
            column0 = self.halo_columns + column_shift
            return extended[row0 : row0 + side, column0 : column0 + height]

        if columns[0] == columns[1]:
            return window(columns[0])
        return jnp.where(self.row_parity[colour], window(columns[1]), window(columns[0]))

    def prepare(
        self,
        params: Params,
        input_coupling: Float[Array, "n_grid"],
        input_spins: Int8[Array, "n_grid chains"],
        state0_grid: Int8[Array, "n_grid chains"],
    ):
        """Lay out weights, biases, input fields and the initial state per colour.

        Args:
            params: edge weights and grid biases.
            input_coupling: fixed coupling J of the input attached to each grid node, 0 where none.
            input_spins: value of that input per chain, 0 where none.
            state0_grid: initial grid spins, nodes first.

        Returns:
            (prepared arrays, initial state).
        """
        weights = jnp.concatenate([params.weights.astype(jnp.float32), jnp.zeros((1,), jnp.float32)])
        zero = jnp.zeros((1,), jnp.float32)
        biases = jnp.concatenate([params.biases.astype(jnp.float32), zero])
        input_coupling = jnp.concatenate([input_coupling, zero])
        padding_row = jnp.zeros((1, state0_grid.shape[1]), jnp.int8)
        input_spins = jnp.concatenate([input_spins, padding_row])
        spins = jnp.concatenate([state0_grid, padding_row + 1])

        # The per-chain input field is kept as int8 input spins times a per-cell J, not as a
        # float32 [cells, chains] array, so an update reads 1 byte for it instead of 4.
        slot_weights = tuple(weights[slots][..., None] for slots in self.slot_edge)
        cell_biases = tuple(biases[node][..., None] for node in self.node_of)
        cell_couplings = tuple(input_coupling[node][..., None] for node in self.node_of)
        cell_inputs = tuple(input_spins[node] for node in self.node_of)
        state = tuple(spins[node] for node in self.node_of)
        return (slot_weights, cell_biases, cell_couplings, cell_inputs), state

    def update(self, prepared, state: GridState, colour: int, beta: Array, bits: Callable[[tuple[int, ...]], Array]) -> GridState:
        """Resample every free spin of `colour` given the other colour."""
        slot_weights, cell_biases, cell_couplings, cell_inputs = prepared
        extended = self._extend(state[1 - colour])
        field = cell_biases[colour] + cell_couplings[colour] * cell_inputs[colour].astype(jnp.float32)
        for direction in range(len(self.offsets)):
            neighbours = self._neighbours(extended, colour, direction)
            if neighbours is not None:
                field = field + slot_weights[colour][direction] * neighbours.astype(jnp.float32)

        new = draw_spins(field, beta, bits(field.shape))
        new = jnp.where(self.free[colour], new, state[colour])
        return (new, state[1]) if colour == 0 else (state[0], new)

    def as_float(self, state: GridState) -> tuple[Array, Array]:
        """Return the state as float32 arrays in the same layout, for accumulating sums."""
        return tuple(part.astype(jnp.float32) for part in state)

    def pair_sums(self, values: tuple[Array, Array]) -> Float[Array, "m"]:
        """Return sum over chains of values_i * values_j for every base edge."""
        extended = self._extend(values[1])
        products = []
        for direction in range(len(self.offsets)):
            neighbours = self._neighbours(extended, 0, direction)
            if neighbours is None:
                products.append(jnp.zeros(values[0].shape[:2], jnp.float32))
            else:
                products.append(jnp.sum(values[0] * neighbours, axis=-1))
        return jnp.stack(products).reshape(-1)[self.edge_slot0]

    def to_nodes(self, values: tuple[Array, Array]) -> Array:
        """Return layout values as `[n_grid, chains]` in node order."""
        chains = values[0].shape[-1]
        out = jnp.zeros((self.n_grid + 1, chains), values[0].dtype)
        for node, part in zip(self.node_of, values):
            out = out.at[node.reshape(-1)].set(part.reshape(-1, chains))
        return out[: self.n_grid]
