"""Energy and cycles: the published 70x70 G12 estimate and its T * K * L**2 scaling."""

from __future__ import annotations

import numpy as np
import pytest

from dtmc.backend.synthetic import grid_graph
from dtmc.chip.emulator import ChipEmulator
from dtmc.chip.energy import estimate_cost
from dtmc.chip.fit import place
from dtmc.chip.quantise import quantise
from dtmc.spec import PATTERNS
from tests.chip._helpers import chip

STEPS, SWEEPS, SIDE = 8, 250, 70
PUBLISHED_CELL_ENERGY = 1.3e-15
PUBLISHED_TOTAL = STEPS * SWEEPS * SIDE**2 * PUBLISHED_CELL_ENERGY  # 12.74 nJ, 1.59 nJ per step


@pytest.fixture(scope="module")
def published():
    """The published design: 8 steps of a 70x70 G12 torus with 794 visible spins, on chip70_g12."""
    graph = grid_graph(SIDE, PATTERNS["G12"], torus=True, n_visible=794, couplings=np.full((STEPS, 794), 1.0))
    return graph, chip()


def _registers(graph) -> int:
    return int(graph.edges.shape[0] + graph.n_visible + graph.n_grid)


def test_published_energy_within_ten_percent(published):
    graph, target = published
    chains = 100
    cost = estimate_cost(target, cells=graph.n_grid, visible=graph.n_visible, registers=_registers(graph), steps=STEPS, sweeps=SWEEPS, chains=chains)
    per_sample = cost.joules(target)["total"] / chains
    assert per_sample == pytest.approx(PUBLISHED_TOTAL, rel=0.10)
    assert per_sample / STEPS == pytest.approx(1.6e-9, rel=0.10)


def test_emulator_counts_match_estimate(published):
    """Running all 8 x 250 sweeps on the emulator counts exactly what the estimate predicts."""
    graph, target = published
    rng = np.random.default_rng(0)
    params = quantise(rng.normal(0, 0.1, (STEPS, graph.edges.shape[0])), graph.coupling, np.zeros((STEPS, graph.n_grid)), target)
    emulator = ChipEmulator(graph, params, target, placement=place(graph, target))
    emulator.generate(2, sweeps=SWEEPS, seed=0)

    cost = estimate_cost(target, cells=graph.n_grid, visible=graph.n_visible, registers=_registers(graph), steps=STEPS, sweeps=SWEEPS, chains=2)
    assert emulator.counter == cost
    assert cost.joules(target)["cell_updates"] + cost.joules(target)["random_bits"] == pytest.approx(2 * PUBLISHED_TOTAL)


@pytest.mark.parametrize(
    ("steps", "sweeps", "side"),
    [(4, 250, 70), (8, 500, 70), (8, 250, 50), (2, 100, 20)],
    ids=["half-steps", "double-sweeps", "side-50", "small"],
)
def test_cell_energy_scales_as_t_k_l2(steps, sweeps, side):
    target = chip()
    base = estimate_cost(target, cells=SIDE**2, visible=0, registers=0, steps=STEPS, sweeps=SWEEPS)
    scaled = estimate_cost(target, cells=side**2, visible=0, registers=0, steps=steps, sweeps=sweeps)
    ratio = (steps * sweeps * side**2) / (STEPS * SWEEPS * SIDE**2)
    assert scaled.joules(target)["total"] == pytest.approx(ratio * base.joules(target)["total"], rel=1e-12)


def test_cycles_and_seconds():
    """One chain, 1 step, 10 sweeps, 2 colours: 20 phase cycles + 4 readout + ceil(100 / 64) writes."""
    target = chip()
    cost = estimate_cost(target, cells=16, visible=2, registers=100, steps=1, sweeps=10)
    assert cost.cycles == 20 + 4 + 2
    assert cost.seconds(target) == pytest.approx(26e-9)


def test_register_writes_shared_by_batch(published):
    graph, target = published
    single = estimate_cost(target, cells=graph.n_grid, visible=graph.n_visible, registers=_registers(graph), steps=STEPS, sweeps=SWEEPS, chains=1)
    many = estimate_cost(target, cells=graph.n_grid, visible=graph.n_visible, registers=_registers(graph), steps=STEPS, sweeps=SWEEPS, chains=10)
    assert many.weight_writes == single.weight_writes
    assert many.cell_updates == 10 * single.cell_updates
