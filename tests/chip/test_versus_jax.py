"""Emulator against the JAX backend: the same conditional EBM gives the same marginals."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend import Params, make_sampler
from dtmc.backend.synthetic import grid_graph
from dtmc.chip.emulator import ChipEmulator
from dtmc.chip.quantise import quantise
from dtmc.spec import PATTERNS
from tests.chip._helpers import chip

CHAINS, SWEEPS, EVERY, WARMUP = 2000, 240, 4, 40  # 50 samples per chain
BETA = 1.2


@pytest.fixture(scope="module")
def setup():
    """6x6 open G8 grid, 6 visible spins with inputs alternating +1/-1, random weights and biases."""
    couplings = np.array([[0.9, 0.5, -0.7, 1.1, 0.3, -0.4]])
    graph = grid_graph(6, PATTERNS["G8"], torus=False, n_visible=6, couplings=couplings)
    rng = np.random.default_rng(8)
    weights = rng.normal(0.0, 0.35, graph.edges.shape[0])
    biases = rng.normal(0.0, 0.3, graph.n_grid)
    inputs = np.array([1, -1, 1, -1, 1, -1], dtype=np.int8)
    return graph, weights, biases, inputs


@pytest.fixture(scope="module")
def jax_means(setup):
    graph, weights, biases, inputs = setup
    free = np.zeros(graph.n_nodes, dtype=bool)
    free[: graph.n_grid] = True
    sampler = make_sampler(graph, free)
    state0 = np.ones((CHAINS, graph.n_nodes), dtype=np.int8)
    state0[:, graph.n_grid :] = inputs
    params = Params(jnp.asarray(weights, jnp.float32), jnp.asarray(biases, jnp.float32))
    _, trace = sampler.run(
        params, jnp.asarray(graph.coupling[0]), jnp.asarray(state0), key=jax.random.key(0),
        sweeps=SWEEPS, beta_start=BETA, beta_end=BETA, record_every=EVERY,
    )
    trace = np.asarray(trace)[WARMUP // EVERY :, :, : graph.n_grid]
    return trace.astype(np.float64).mean(axis=(0, 1))


@pytest.mark.parametrize("quantised", [False, True], ids=["exact", "12-bit"])
def test_marginals_match_jax(setup, jax_means, quantised):
    graph, weights, biases, inputs = setup
    target = chip(resolution_bits=12)
    params = quantise(weights[None], graph.coupling, biases[None], target, beta=BETA, enabled=quantised)
    emulator = ChipEmulator(graph, params, target)
    _, records = emulator.run_step(
        0, np.tile(inputs[:, None], (1, CHAINS)), sweeps=SWEEPS, seed=0,
        init=np.ones((graph.n_grid, CHAINS), dtype=np.int8), collect_every=EVERY, collect_after=WARMUP,
    )
    means = records.astype(np.float64).mean(axis=(0, 2))
    # Two emulator seeds differ by up to 0.01 at this size, so 0.03 leaves room for noise only.
    assert np.abs(means - jax_means).max() < 0.03
