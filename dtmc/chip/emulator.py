"""Bit-true chip emulator: integer local fields, random-integer comparisons, sweeps colour by colour.

Each cell update computes its local field h as an integer in accumulator units (couplings times
neighbour spins, plus the clamped input's coupling, plus the bias), maps it through the cell's
response table to a threshold `round(sigmoid(2 * beta' * h * unit) * 2**R)`, draws a random
R-bit integer u and sets the spin to +1 when u < threshold. Here beta' is the annealing factor
on top of the beta folded into the registers. With quantisation switched off the field is a
float64 and u a uniform float64, which is an exact Gibbs update.

The state is stored chains-last, int8[nodes, chains], and every update is vectorised over the
cells of one colour and all chains. Operation counts accumulate in `counter`.
"""

from __future__ import annotations

import logging

import numpy as np

from dtmc.chip.energy import CostCounter, step_cycles
from dtmc.chip.fit import Placement
from dtmc.chip.quantise import ChipParams
from dtmc.chip.response import cell_mismatch, response_table
from dtmc.chip.target import ChipTarget
from dtmc.errors import TargetError
from dtmc.program.arrays import GraphArrays

__all__ = ["ChipEmulator"]

logger = logging.getLogger(__name__)

_GAIN_SHIFT = 12
"""Fraction bits of the fixed-point gain and offset applied to integer fields under mismatch."""


def _neighbour_table(graph: GraphArrays) -> tuple[np.ndarray, np.ndarray]:
    """Return int32[n_grid, D] neighbours and their edge numbers (-1 pads) of every grid node."""
    n_grid, edges = graph.n_grid, graph.edges.astype(np.int64)
    source = np.concatenate([edges[:, 0], edges[:, 1]])
    neighbour = np.concatenate([edges[:, 1], edges[:, 0]])
    edge_id = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])

    order = np.argsort(source, kind="stable")
    source, neighbour, edge_id = source[order], neighbour[order], edge_id[order]
    degree = np.bincount(source, minlength=n_grid)
    width = int(degree.max(initial=0))
    slot = np.arange(len(source)) - np.repeat(np.cumsum(degree) - degree, degree)

    # Padding points a node at itself with no edge, so it adds zero to the field.
    table = np.tile(np.arange(n_grid)[:, None], (1, max(width, 1)))
    table_edge = np.full((n_grid, max(width, 1)), -1, dtype=np.int64)
    table[source, slot] = neighbour
    table_edge[source, slot] = edge_id
    return table.astype(np.int32), table_edge


class ChipEmulator:
    """A placed, quantised model running on an emulated chip.

    Args:
        graph: the model's dense graph.
        params: register contents from `quantise`.
        target: the chip.
        placement: where the model sits; None places it as if at offset (0, 0) of its own grid.
        mismatch: override the target's `mismatch.enabled`.
        dead_cells: extra chip cells (x, y) to treat as dead, for fault studies: nodes on them
            never update and read as -1.
    """

    def __init__(
        self,
        graph: GraphArrays,
        params: ChipParams,
        target: ChipTarget,
        *,
        placement: Placement | None = None,
        mismatch: bool | None = None,
        dead_cells: tuple[tuple[int, int], ...] = (),
    ):
        self.graph, self.params, self.target = graph, params, target
        self.counter = CostCounter()
        self.neighbours, edge_of = _neighbour_table(graph)
        self._pad = edge_of < 0
        self._edge_of = np.where(self._pad, 0, edge_of)

        chip_side = placement.chip_side if placement else graph.side
        chip_index = placement.chip_index if placement else np.arange(graph.n_grid, dtype=np.int32)
        dead = {x * chip_side + y for x, y in dead_cells}
        self.dead = np.isin(chip_index, list(dead)) if dead else np.zeros(graph.n_grid, dtype=bool)

        enabled = target.mismatch.enabled if mismatch is None else mismatch
        self.gain, self.offset = cell_mismatch(target.mismatch, chip_side, enabled=enabled)
        self.gain, self.offset = self.gain[chip_index], self.offset[chip_index]
        self.mismatch = enabled

        colours = graph.colour[: graph.n_grid]
        self.colour_nodes = [np.flatnonzero(colours == c) for c in range(graph.n_colours)]
        self.registers = int(graph.edges.shape[0] + graph.n_visible + graph.n_grid)

    def _step_tables(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the neighbour weights [n_grid, D], input couplings [V] and biases [n_grid] of `step`."""
        params = self.params
        if params.exact:
            weights, couplings, biases = params.weights[step], params.couplings[step], params.biases[step]
        else:
            # int32 fields are faster; int64 only when the largest field might not fit.
            largest = (self.neighbours.shape[1] + 2) * 2**15 * max(params.weight_factor, params.coupling_factor, params.bias_factor)
            dtype = np.int32 if largest < 2**31 else np.int64
            weights = params.weights[step].astype(dtype) * params.weight_factor
            couplings = params.couplings[step].astype(dtype) * params.coupling_factor
            biases = params.biases[step].astype(dtype) * params.bias_factor
        table = np.where(self._pad, 0, weights[self._edge_of])
        return table, couplings, biases

    def _colour_tables(self, step: int, nodes: np.ndarray, weights: np.ndarray, base: np.ndarray) -> dict:
        """Gather one colour's neighbours, weights, fixed field and fixed-point gain and offset."""
        tables = {"nodes": nodes, "neighbours": self.neighbours[nodes], "weights": weights[nodes], "base": base[nodes]}
        if self.params.exact:
            tables["gain"] = self.gain[nodes, None]
            tables["offset"] = self.offset[nodes, None]
        elif self.mismatch:
            tables["gain"] = np.rint(self.gain[nodes, None] * 2**_GAIN_SHIFT).astype(np.int64)
            offset = self.offset[nodes, None] / self.params.field_unit[step]
            tables["offset"] = np.rint(offset * 2**_GAIN_SHIFT).astype(np.int64)
        return tables

    def run_step(
        self,
        step: int,
        inputs: np.ndarray,
        *,
        sweeps: int,
        seed: int | np.random.Generator,
        beta_ratio: np.ndarray | float = 1.0,
        init: np.ndarray | None = None,
        clamp: np.ndarray | None = None,
        collect_every: int = 0,
        collect_after: int = 0,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Run `sweeps` sweeps of one step's conditional EBM on the chip, one phase per colour.

        Args:
            step: diffusion step (0-based), selecting registers and input couplings.
            inputs: int8[V, chains] clamped input spins (+1 or -1).
            sweeps: number of sweeps.
            seed: random seed or generator for initial states and updates.
            beta_ratio: annealing factor per sweep (float[sweeps] or a scalar) on top of the beta
                folded into the registers.
            init: int8[n_grid, chains] start state; None draws fair coins.
            clamp: int8[n_grid, chains] with +1/-1 on clamped nodes and 0 on free ones; a clamped
                node must be clamped in every chain.
            collect_every: if positive, record the grid state every this many sweeps.
            collect_after: sweeps before the first recorded state.

        Returns:
            The final grid state int8[n_grid, chains] and the recorded states
            int8[samples, n_grid, chains] (None when nothing was recorded).

        Raises:
            TargetError: if `inputs` or `clamp` has the wrong shape.
        """
        graph = self.graph
        inputs = np.asarray(inputs, dtype=np.int8)
        if inputs.ndim != 2 or inputs.shape[0] != graph.n_visible:
            raise TargetError(f"inputs have shape {inputs.shape}, expected ({graph.n_visible}, chains)")
        chains = inputs.shape[1]
        if sweeps < 0 or chains < 1:
            raise TargetError(f"sweeps={sweeps} and chains={chains} are invalid; run at least 0 sweeps on at least 1 chain")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        ratios = np.broadcast_to(np.asarray(beta_ratio, dtype=np.float64), (sweeps,))

        state = init.astype(np.int8, copy=True) if init is not None else (2 * rng.integers(0, 2, (graph.n_grid, chains)) - 1).astype(np.int8)
        free = ~self.dead
        if clamp is not None:
            if clamp.shape != state.shape:
                raise TargetError(f"clamp has shape {clamp.shape}, expected {state.shape}")
            clamped = clamp != 0
            state[clamped] = clamp[clamped]
            free &= ~clamped.any(axis=1)
        state[self.dead] = -1
        update_nodes = [nodes[free[nodes]] for nodes in self.colour_nodes]

        # Bias plus the clamped inputs' contribution stays fixed for the whole step.
        weights, couplings, biases = self._step_tables(step)
        base = np.repeat(biases[:, None], chains, axis=1)
        base[graph.visible_node] += couplings[:, None] * inputs

        colours = [self._colour_tables(step, nodes, weights, base) for nodes in update_nodes]
        responses: dict[float, tuple[np.ndarray, int]] = {}
        max_field = 0 if self.params.exact else self._max_field(weights, couplings, biases)
        draw_limit = 2**self.target.resolution_bits
        records = []
        for sweep in range(sweeps):
            ratio = float(ratios[sweep])
            if not self.params.exact and ratio not in responses:
                responses[ratio] = response_table(max_field, ratio * self.params.field_unit[step], self.target.resolution_bits)

            for colour in colours:
                field = colour["base"].copy()
                for d in range(colour["neighbours"].shape[1]):
                    field += colour["weights"][:, d, None] * state[colour["neighbours"][:, d]]

                if self.params.exact:
                    effective = ratio * (colour["gain"] * field + colour["offset"])
                    probability = 1.0 / (1.0 + np.exp(-2.0 * effective))
                    state[colour["nodes"]] = np.where(rng.random(field.shape) < probability, 1, -1)
                    continue

                # Mismatch scales and shifts the integer field in fixed point before the shared table.
                if self.mismatch:
                    field = (colour["gain"] * field.astype(np.int64) + colour["offset"]) >> _GAIN_SHIFT
                table, limit = responses[ratio]
                threshold = table[np.clip(field, -limit, limit) + limit]
                draws = rng.integers(0, draw_limit, field.shape, dtype=np.int32)
                state[colour["nodes"]] = np.where(draws < threshold, 1, -1)

            if collect_every > 0 and sweep + 1 > collect_after and (sweep + 1 - collect_after) % collect_every == 0:
                records.append(state.copy())

        self._count(sweeps, sum(len(nodes) for nodes in update_nodes), chains)
        return state, (np.stack(records) if records else None)

    def _max_field(self, weights: np.ndarray, couplings: np.ndarray, biases: np.ndarray) -> int:
        """Return the largest |field| any cell can reach, in accumulator units (with mismatch gain)."""
        largest = np.abs(weights).sum(axis=1) + np.abs(biases)
        largest[self.graph.visible_node] += np.abs(couplings)
        bound = int(largest.max(initial=0))
        if self.mismatch:
            offset = np.abs(self.offset).max(initial=0.0) / self.params.field_unit.min()
            bound = int(np.ceil(bound * self.gain.max(initial=1.0) + offset)) + 1
        return bound

    def _count(self, sweeps: int, updated: int, chains: int) -> None:
        updates = sweeps * updated * chains
        self.counter.add(
            CostCounter(
                cell_updates=updates,
                random_bits=updates * self.target.bits_per_update,
                readouts=self.graph.n_visible * chains,
                weight_writes=self.registers,
                cycles=step_cycles(self.target, updated_phases=sweeps * len(self.colour_nodes), chains=chains, registers=self.registers),
            )
        )

    def generate(
        self,
        chains: int,
        *,
        sweeps: int,
        seed: int | list[int],
        beta_start: float = 1.0,
        beta_end: float = 1.0,
        clamp_visible: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Generate samples from noise through every step, last step first.

        Args:
            chains: number of samples.
            sweeps: sweeps per step.
            seed: random seed (an integer or a list of integers).
            beta_start: beta of the first sweep of each step; beta is annealed linearly.
            beta_end: beta of the last sweep of each step.
            clamp_visible: int8[V, chains] with +1/-1 on visible spins held fixed in every step
                (such as a wanted class's label spins) and 0 elsewhere.

        Returns:
            The final visible spins int8[V, chains] and each step's output, in generation order.
        """
        graph, params = self.graph, self.params
        rng = np.random.default_rng(seed)
        visible = (2 * rng.integers(0, 2, (graph.n_visible, chains)) - 1).astype(np.int8)
        clamp = None
        if clamp_visible is not None:
            visible = np.where(clamp_visible != 0, clamp_visible, visible).astype(np.int8)
            clamp = np.zeros((graph.n_grid, chains), dtype=np.int8)
            clamp[graph.visible_node] = clamp_visible

        betas = np.linspace(beta_start, beta_end, sweeps)
        outputs = []
        for step in reversed(range(params.n_steps)):
            # Output cells start at the input, the forward channel's most likely value; hidden cells at coin flips.
            init = (2 * rng.integers(0, 2, (graph.n_grid, chains)) - 1).astype(np.int8)
            init[graph.visible_node] = visible
            state, _ = self.run_step(
                step, visible, sweeps=sweeps, seed=rng, beta_ratio=betas / params.beta[step], init=init, clamp=clamp
            )
            visible = state[graph.visible_node]
            outputs.append(visible)
        logger.info("generated %d samples through %d steps, %d sweeps each", chains, params.n_steps, sweeps)
        return visible, outputs
