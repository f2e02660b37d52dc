"""Emulator: exact Gibbs law with quantisation off, the quantised law with it on, counts and options."""

from __future__ import annotations

import numpy as np
import pytest

from dtmc.backend.synthetic import grid_graph
from dtmc.chip.emulator import ChipEmulator
from dtmc.chip.fit import place
from dtmc.chip.quantise import quantise
from dtmc.chip.response import response_table
from dtmc.chip.target import FixedPoint, Mismatch
from dtmc.errors import TargetError
from tests.chip._helpers import boltzmann, chip, empirical

RULES = ((0, 1), (1, 2))
CHAINS, SWEEPS, EVERY, WARMUP = 1000, 210, 2, 10  # 100 samples per chain, 100,000 states in all


@pytest.fixture(scope="module")
def tiny():
    """3x3 open grid, rules (0, 1) and (1, 2), two visible spins with inputs (+1, -1).

        v0 . v1        9 spins, 512 states: enumerable
        .  .  .
        .  .  .
    """
    graph = grid_graph(3, RULES, torus=False, n_visible=2, couplings=np.array([[0.7, -0.4]]))
    rng = np.random.default_rng(3)
    weights = rng.normal(0.0, 0.6, graph.edges.shape[0])
    biases = rng.normal(0.0, 0.4, graph.n_grid)
    target = chip(rules=RULES, resolution_bits=12)
    return graph, weights, biases, target


def _sample(graph, params, target, *, mismatch=False, seed=1):
    emulator = ChipEmulator(graph, params, target, placement=place(graph, target), mismatch=mismatch)
    inputs = np.tile(np.array([[1], [-1]], dtype=np.int8), (1, CHAINS))
    _, records = emulator.run_step(0, inputs, sweeps=SWEEPS, seed=seed, collect_every=EVERY, collect_after=WARMUP)
    return emulator, records


def _total_variation(p, q) -> float:
    return 0.5 * float(np.abs(p - q).sum())


def test_exact_mode_matches_enumeration(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target, enabled=False)
    _, records = _sample(graph, params, target)
    exact = boltzmann(graph, weights, graph.coupling[0], biases, np.array([1.0, -1.0]))
    # Sampling noise alone gives about 0.02 at 100,000 states over 512 cells.
    assert _total_variation(empirical(records), exact) < 0.035


def test_quantised_mode_matches_quantised_law(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    _, records = _sample(graph, params, target)
    stored_w, stored_j, stored_b = params.field_values(0)
    law = boltzmann(graph, stored_w, stored_j, stored_b, np.array([1.0, -1.0]))
    assert _total_variation(empirical(records), law) < 0.035


def test_coupling_format_law(tiny):
    """Input couplings in their own 6-bit +-8 format (factor 4 over the weights) give the stored law."""
    graph, weights, biases, _ = tiny
    target = chip(rules=RULES, couplings=FixedPoint(6, 8.0), scale="fixed")
    params = quantise(weights[None], 3.0 * graph.coupling, biases[None], target)
    assert params.coupling_factor == 8
    _, records = _sample(graph, params, target)
    law = boltzmann(graph, *params.field_values(0), np.array([1.0, -1.0]))
    assert _total_variation(empirical(records), law) < 0.035


def test_four_bit_law_differs_from_float(tiny):
    """At 4 bits the stored law moves measurably away from the float one, and sampling shows it."""
    graph, weights, biases, target = tiny
    coarse = chip(rules=RULES, weights=FixedPoint(4, 4.0), biases=FixedPoint(4, 4.0))
    params = quantise(weights[None], graph.coupling, biases[None], coarse)
    stored = boltzmann(graph, *params.field_values(0), np.array([1.0, -1.0]))
    _, records = _sample(graph, params, coarse)
    assert _total_variation(empirical(records), stored) < 0.035

    exact = boltzmann(graph, weights, graph.coupling[0], biases, np.array([1.0, -1.0]))
    assert _total_variation(stored, exact) > 0.05
    assert _total_variation(empirical(records), exact) > 0.05


def test_response_table_within_resolution():
    unit, bits = 0.01, 10
    table, limit = response_table(10_000, unit, bits)
    fields = np.arange(-limit, limit + 1) * unit
    probability = table / 2**bits
    assert np.abs(probability - 1 / (1 + np.exp(-2 * fields))).max() <= 2 ** -(bits + 1) + 1e-12
    assert table[0] == 0
    assert table[-1] == 2**bits


def test_response_table_capped_by_max_field():
    table, limit = response_table(5, 0.001, 12)
    assert limit == 5
    assert table.shape == (11,)


def test_same_seed_same_bits(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    _, first = _sample(graph, params, target, seed=5)
    _, second = _sample(graph, params, target, seed=5)
    np.testing.assert_array_equal(first, second)


def test_mismatch_seeded_and_shifts_law(tiny):
    graph, weights, biases, target = tiny
    strong = chip(rules=RULES, mismatch=Mismatch(True, "normal", 0.3, 0.5, seed=11))
    params = quantise(weights[None], graph.coupling, biases[None], strong)
    _, first = _sample(graph, params, strong, mismatch=True, seed=2)
    _, second = _sample(graph, params, strong, mismatch=True, seed=2)
    np.testing.assert_array_equal(first, second)

    stored = boltzmann(graph, *params.field_values(0), np.array([1.0, -1.0]))
    assert _total_variation(empirical(first), stored) > 0.05


def test_mismatch_exact_matches_shifted_law(tiny):
    """In exact mode a cell with gain g and offset o samples sigmoid(2 (g h + o)).

    Without couplings each cell is independent, so its mean spin is tanh(g b + o).
    """
    graph, _, _, _ = tiny
    target = chip(rules=RULES, mismatch=Mismatch(True, "normal", 0.2, 0.3, seed=4))
    biases = np.full(graph.n_grid, 0.5)
    params = quantise(np.zeros((1, graph.edges.shape[0])), np.zeros((1, 2)), biases[None], target, enabled=False)
    emulator, records = _sample(graph, params, target, mismatch=True)
    field = emulator.gain * 0.5 + emulator.offset
    expected = np.tanh(field)
    measured = records.mean(axis=(0, 2))
    assert np.abs(measured - expected).max() < 0.02


def test_mismatch_quantised_matches_table(tiny):
    """In quantised mode the mismatched field floor((G h + O) / 4096) indexes the shared table.

    Without couplings each cell's mean spin is 2 * threshold / 2**R - 1 at that field.
    """
    graph, _, _, _ = tiny
    target = chip(rules=RULES, mismatch=Mismatch(True, "normal", 0.2, 0.3, seed=4), scale="fixed")
    biases = np.full(graph.n_grid, 0.5)
    params = quantise(np.zeros((1, graph.edges.shape[0])), np.zeros((1, 2)), biases[None], target)
    emulator, records = _sample(graph, params, target, mismatch=True)

    unit = params.field_unit[0]
    field = params.biases[0] * params.bias_factor
    gain = np.rint(emulator.gain * 4096).astype(np.int64)
    offset = np.rint(emulator.offset / unit * 4096).astype(np.int64)
    shifted = (gain * field + offset) >> 12
    table, limit = response_table(10**6, unit, target.resolution_bits)
    expected = 2 * table[np.clip(shifted, -limit, limit) + limit] / 2**target.resolution_bits - 1
    assert np.abs(records.mean(axis=(0, 2)) - expected).max() < 0.02


def test_counts_match_estimate(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    emulator, _ = _sample(graph, params, target)
    counter = emulator.counter
    assert counter.cell_updates == SWEEPS * graph.n_grid * CHAINS
    assert counter.random_bits == counter.cell_updates * target.bits_per_update
    assert counter.readouts == graph.n_visible * CHAINS
    assert counter.weight_writes == graph.edges.shape[0] + graph.n_visible + graph.n_grid
    assert counter.cycles == 1 + CHAINS * (2 * SWEEPS * target.clock.cycles_per_phase + target.clock.cycles_per_readout)


def test_clamped_nodes_hold(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    emulator = ChipEmulator(graph, params, target)
    clamp = np.zeros((graph.n_grid, 4), dtype=np.int8)
    clamp[4] = 1
    inputs = np.ones((2, 4), dtype=np.int8)
    _, records = emulator.run_step(0, inputs, sweeps=20, seed=0, clamp=clamp, collect_every=1)
    assert np.all(records[:, 4] == 1)
    assert emulator.counter.cell_updates == 20 * (graph.n_grid - 1) * 4


def test_dead_cells_stuck_low(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    emulator = ChipEmulator(graph, params, target, dead_cells=((1, 1),))
    _, records = emulator.run_step(0, np.ones((2, 8), dtype=np.int8), sweeps=10, seed=0, collect_every=1)
    assert np.all(records[:, 4] == -1)


def test_generate_shapes_and_clamp(tiny):
    graph, weights, biases, target = tiny
    params = quantise(np.tile(weights, (2, 1)), np.tile(graph.coupling, (2, 1)), np.tile(biases, (2, 1)), target, beta=1.2)
    emulator = ChipEmulator(graph, params, target)
    clamp = np.zeros((2, 6), dtype=np.int8)
    clamp[1] = -1
    visible, outputs = emulator.generate(6, sweeps=5, seed=0, beta_start=0.8, beta_end=1.2, clamp_visible=clamp)
    assert visible.shape == (2, 6)
    assert len(outputs) == 2
    assert np.all(visible[1] == -1)


def test_bad_inputs_shape_rejected(tiny):
    graph, weights, biases, target = tiny
    params = quantise(weights[None], graph.coupling, biases[None], target)
    emulator = ChipEmulator(graph, params, target)
    with pytest.raises(TargetError, match=r"inputs have shape \(3, 4\), expected \(2, chains\)"):
        emulator.run_step(0, np.ones((3, 4), dtype=np.int8), sweeps=1, seed=0)
