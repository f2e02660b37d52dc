"""Long-run marginals and pair correlations of every sampler path against enumerated Boltzmann laws."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend import make_sampler
from dtmc.backend.synthetic import grid_graph
from dtmc.backend.thrml_lowering import lower_to_thrml
from dtmc.program.arrays import GraphArrays

from ._exact import exact_moments, random_params, triangular_graph, two_group_state

# 256 chains x 200 samples, 2 sweeps apart: the standard error of a mean is about 0.006, so
# 0.03 is a 5-sigma bound.
CHAINS, WARMUP, SAMPLES, SPACING = 256, 20, 200, 2
TOLERANCE = 0.03


@dataclass(frozen=True)
class Case:
    """A tiny graph, the grid nodes clamped in it, and the inverse temperature to sample at."""

    graph: GraphArrays
    clamped: dict[int, int]
    beta: float = 1.0


def _torus() -> Case:
    """4x4 torus with rule (0, 1): 16 grid cells, node 5 clamped, inputs on cells 0 and 2."""
    graph = grid_graph(4, ((0, 1),), torus=True, n_visible=2, couplings=np.array([[0.8, -0.5]]))
    return Case(graph, {5: 1}, beta=0.8)


def _open_grid() -> Case:
    """Open 4x4 grid with rules (0, 1) and (2, 1): edges off the grid are dropped."""
    graph = grid_graph(4, ((0, 1), (2, 1)), torus=False, n_visible=3, couplings=np.array([[0.6, 0.9, -0.7]]))
    return Case(graph, {15: -1})


def _odd_open_grid() -> Case:
    """Open 3x3 grid with rules (0, 1) and (1, 2): an odd side pads each colour's rows."""
    graph = grid_graph(3, ((0, 1), (1, 2)), torus=False, n_visible=2, couplings=np.array([[1.0, 0.4]]))
    return Case(graph, {})


def _triangular() -> Case:
    """4x4 open grid with one diagonal per cell: triangles, greedy 3-colouring, node 0 clamped."""
    graph = triangular_graph(4, (5, 10), np.array([[0.7, -0.6]]))
    return Case(graph, {0: -1})


CASES = {"torus": _torus, "open": _open_grid, "odd_open": _odd_open_grid, "triangular": _triangular}


def _exact_for_case(case: Case, params, state0: np.ndarray, free: np.ndarray):
    """Average the exact moments of the two input patterns, as the chains are split half and half."""
    coupling = case.graph.coupling[0]
    halves = [exact_moments(case.graph, params, coupling, state0[row], free, case.beta) for row in (0, -1)]
    return (halves[0][0] + halves[1][0]) / 2, (halves[0][1] + halves[1][1]) / 2


def _setup(name: str):
    case = CASES[name]()
    graph = case.graph
    params = random_params(graph, seed=3)
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    free[list(case.clamped)] = False
    state0 = two_group_state(graph, CHAINS, case.clamped, seed=4)
    return case, params, free, state0


def _check(moments, exact_node, exact_edge) -> None:
    node_error = np.max(np.abs(np.asarray(moments.node) - exact_node))
    edge_error = np.max(np.abs(np.asarray(moments.edge) - exact_edge))
    assert node_error < TOLERANCE, f"node marginal error {node_error:.4f}"
    assert edge_error < TOLERANCE, f"edge correlation error {edge_error:.4f}"


@pytest.mark.parametrize(
    ("name", "kernel", "rng"),
    [
        ("torus", "grid", "hash"),
        ("torus", "generic", "hash"),
        ("torus", "grid", "threefry"),
        ("open", "grid", "hash"),
        pytest.param("open", "generic", "threefry", marks=pytest.mark.slow),
        ("odd_open", "grid", "hash"),
        ("triangular", "generic", "hash"),
        pytest.param("triangular", "auto", "threefry", marks=pytest.mark.slow),
    ],
)
def test_sampler_matches_exact_law(name, kernel, rng):
    case, params, free, state0 = _setup(name)
    sampler = make_sampler(case.graph, free, kernel=kernel, rng=rng)
    moments = sampler.moments(
        params, jnp.asarray(case.graph.coupling[0]), jnp.asarray(state0), key=jax.random.key(11),
        warmup=WARMUP, n_samples=SAMPLES, spacing=SPACING, beta=case.beta,
    )
    _check(moments, *_exact_for_case(case, params, state0, free))


@pytest.mark.parametrize(
    "name",
    ["torus", pytest.param("open", marks=pytest.mark.slow), pytest.param("triangular", marks=pytest.mark.slow)],
)
def test_thrml_lowering_matches_exact_law(name):
    case, params, free, state0 = _setup(name)
    lowering = lower_to_thrml(case.graph, free)
    moments = lowering.moments(
        params, jnp.asarray(case.graph.coupling[0]), jnp.asarray(state0), key=jax.random.key(12),
        warmup=WARMUP, n_samples=SAMPLES, spacing=SPACING, beta=case.beta,
    )
    _check(moments, *_exact_for_case(case, params, state0, free))


@pytest.mark.slow
@pytest.mark.parametrize("kernel", ["grid", "generic"])
@pytest.mark.parametrize("rng", ["hash", "threefry"])
def test_sampler_matches_exact_law_long_run(kernel, rng):
    """16 free spins on the torus, 1024 chains x 1000 samples: a 0.01 bound (about 6 sigma)."""
    graph = grid_graph(4, ((0, 1),), torus=True, n_visible=2, couplings=np.array([[0.8, -0.5]]))
    params = random_params(graph, seed=5)
    free = np.zeros(graph.n_nodes, bool)
    free[:16] = True
    state0 = two_group_state(graph, 1024, {}, seed=6)
    sampler = make_sampler(graph, free, kernel=kernel, rng=rng)
    moments = sampler.moments(params, jnp.asarray(graph.coupling[0]), jnp.asarray(state0),
                              key=jax.random.key(13), warmup=50, n_samples=1000, spacing=2, beta=1.0)
    case = Case(graph, {})
    exact_node, exact_edge = _exact_for_case(case, params, state0, free)
    assert np.max(np.abs(np.asarray(moments.node) - exact_node)) < 0.01
    assert np.max(np.abs(np.asarray(moments.edge) - exact_edge)) < 0.01


@pytest.mark.slow
def test_fast_path_agrees_with_thrml_on_larger_torus():
    """8x8 G8 torus (too large to enumerate): grid/hash and thrml moments agree within 0.05.

    Each estimate uses 256 chains x 400 samples; the difference of two such means has a standard
    error of about 0.01 for weakly correlated chains.
    """
    graph = grid_graph(8, ((0, 1), (4, 1)), torus=True, n_visible=8, couplings=np.full((1, 8), 0.7))
    params = random_params(graph, seed=21, scale=0.3)
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    free[[9, 30]] = False
    state0 = jnp.asarray(two_group_state(graph, CHAINS, {9: 1, 30: -1}, seed=22))
    coupling = jnp.asarray(graph.coupling[0])
    schedule = dict(warmup=50, n_samples=400, spacing=2, beta=1.0)

    fast = make_sampler(graph, free).moments(params, coupling, state0, key=jax.random.key(23), **schedule)
    reference = lower_to_thrml(graph, free).moments(params, coupling, state0, key=jax.random.key(24), **schedule)
    assert np.max(np.abs(np.asarray(fast.node) - np.asarray(reference.node))) < 0.05
    assert np.max(np.abs(np.asarray(fast.edge) - np.asarray(reference.edge))) < 0.05
    assert np.max(np.abs(np.asarray(fast.edge_of_means) - np.asarray(reference.edge_of_means))) < 0.05
