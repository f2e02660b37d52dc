"""Sampler API behaviour: moments vs recorded samples, annealing, the input channel, jit and vmap."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend import Params, make_sampler
from dtmc.backend.synthetic import grid_graph
from dtmc.backend.thrml_lowering import moments_from_samples
from dtmc.diffusion import coupling_strength, flip_probability
from dtmc.errors import DtmcError

from ._exact import random_params, triangular_graph, two_group_state

G8 = ((0, 1), (4, 1))


def _free_grid(graph) -> np.ndarray:
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    return free


@pytest.mark.parametrize("kernel", ["grid", pytest.param("generic", marks=pytest.mark.slow)])
def test_moments_match_recorded_samples(kernel):
    """`moments` equals numpy moments of the states `run` records with the same key and beta."""
    graph = grid_graph(6, G8, torus=True, n_visible=4, couplings=np.full((1, 4), 0.5))
    params = random_params(graph, seed=1)
    free = _free_grid(graph)
    free[7] = False
    state0 = jnp.asarray(two_group_state(graph, 32, {7: 1}, seed=2))
    coupling = jnp.asarray(graph.coupling[0])
    sampler = make_sampler(graph, free, kernel=kernel)

    key = jax.random.key(5)
    moments = sampler.moments(params, coupling, state0, key=key, warmup=4, n_samples=10, spacing=2, beta=0.9)
    _, trace = sampler.run(params, coupling, state0, key=key, sweeps=24, beta_start=0.9, beta_end=0.9, record_every=2)
    samples = np.asarray(trace[2:], np.float64)[..., : graph.n_grid]
    first, second = graph.edges[:, 0], graph.edges[:, 1]
    chain_means = samples.mean(axis=0)

    np.testing.assert_allclose(moments.node, samples.mean(axis=(0, 1)), atol=1e-6)
    np.testing.assert_allclose(moments.edge, (samples[..., first] * samples[..., second]).mean(axis=(0, 1)), atol=1e-6)
    np.testing.assert_allclose(moments.edge_of_means, (chain_means[:, first] * chain_means[:, second]).mean(axis=0),
                               atol=1e-6)
    expected = moments_from_samples(graph, trace[2:])
    np.testing.assert_allclose(expected.edge_of_means, moments.edge_of_means, atol=1e-6)


@pytest.mark.parametrize("kernel", ["grid", pytest.param("generic", marks=pytest.mark.slow)])
def test_run_follows_beta_schedule(kernel):
    """Uncoupled spins with bias b: after sweep t the mean spin is tanh(beta_t b) exactly.

    512 chains x 36 spins per sweep: standard error <= 0.0075, bound 0.04.
    """
    graph = grid_graph(6, G8, torus=True)
    bias = 0.5
    params = Params(jnp.zeros(graph.edges.shape[0]), jnp.full((graph.n_grid,), bias))
    state0 = jnp.asarray(two_group_state(graph, 512, {}, seed=3))
    sampler = make_sampler(graph, _free_grid(graph), kernel=kernel)

    _, trace = sampler.run(params, jnp.zeros(0), state0, key=jax.random.key(6),
                           sweeps=6, beta_start=0.2, beta_end=1.7, record_every=1)
    betas = 0.2 + 1.5 * np.arange(6) / 5
    observed = np.asarray(trace, np.float64).mean(axis=(1, 2))
    np.testing.assert_allclose(observed, np.tanh(betas * bias), atol=0.04)


def test_input_coupling_reproduces_flip_probability():
    """A visible spin coupled only to its input disagrees with it with probability q = (1 - e^(-rate dt)) / 2.

    Three (rate, dt) channels on three visibles each, 512 chains x 100 samples: the standard error
    of P(disagree) is below 0.002, bound 0.01.
    """
    channels = [(0.9, 0.1), (0.2, 0.5), (0.9, 2.0)]
    n_visible = 3 * len(channels)
    couplings = np.repeat([coupling_strength(rate, dt) for rate, dt in channels], 3)[None, :]
    graph = grid_graph(6, G8, torus=True, n_visible=n_visible, couplings=couplings)
    free = np.zeros(graph.n_nodes, bool)
    free[graph.visible_node] = True
    params = Params(jnp.zeros(graph.edges.shape[0]), jnp.zeros(graph.n_grid))
    state0 = two_group_state(graph, 512, {}, seed=4)
    state0[:, graph.n_grid :] = 1
    sampler = make_sampler(graph, free)

    moments = sampler.moments(params, jnp.asarray(graph.coupling[0]), jnp.asarray(state0), key=jax.random.key(7),
                              warmup=2, n_samples=100, spacing=1, beta=1.0)
    disagree = (1.0 - np.asarray(moments.node)[graph.visible_node]) / 2
    expected = np.repeat([flip_probability(rate, dt) for rate, dt in channels], 3)
    np.testing.assert_allclose(disagree, expected, atol=0.01)


@pytest.mark.parametrize("kernel", ["grid", pytest.param("generic", marks=pytest.mark.slow)])
def test_vmap_over_steps_compiles_once(kernel):
    """Steps vmapped under jit trace the sampler once, and step k equals a direct call for step k."""
    steps, chains = 3, 16
    graph = grid_graph(6, G8, torus=True, n_visible=4, couplings=np.linspace(0.2, 1.0, steps * 4).reshape(steps, 4))
    sampler = make_sampler(graph, _free_grid(graph), kernel=kernel)
    state0 = jnp.asarray(np.stack([two_group_state(graph, chains, {}, seed=s) for s in range(steps)]))
    couplings = jnp.asarray(graph.coupling)

    @jax.jit
    def all_steps(params, keys):
        def one_step(step_params, coupling, step_state, key):
            return sampler.moments(step_params, coupling, step_state, key=key,
                                   warmup=3, n_samples=4, spacing=2, beta=1.0)

        return jax.vmap(one_step)(params, couplings, state0, keys)

    def stacked_params(seed):
        parts = [random_params(graph, seed=seed + s) for s in range(steps)]
        return jax.tree.map(lambda *leaves: jnp.stack(leaves), *parts)

    keys = jax.random.split(jax.random.key(8), steps)
    first = all_steps(stacked_params(10), keys)
    all_steps(stacked_params(20), keys)
    assert sampler.trace_count == 1

    direct = sampler.moments(random_params(graph, seed=11), couplings[1], state0[1], key=keys[1],
                             warmup=3, n_samples=4, spacing=2, beta=1.0)
    np.testing.assert_allclose(first.edge[1], direct.edge, atol=1e-6)
    np.testing.assert_allclose(first.node[1], direct.node, atol=1e-6)

    finals, traces = jax.jit(jax.vmap(
        lambda params, coupling, state, key: sampler.run(params, coupling, state, key=key, sweeps=4,
                                                         beta_start=0.8, beta_end=1.2, record_every=2)
    ))(stacked_params(30), couplings, state0, keys)
    assert finals.shape == (steps, chains, graph.n_nodes)
    assert traces.shape == (steps, 2, chains, graph.n_nodes)


def test_direct_calls_compile_once_per_shape():
    graph = grid_graph(6, G8, torus=True)
    sampler = make_sampler(graph, _free_grid(graph))
    state0 = jnp.asarray(two_group_state(graph, 8, {}, seed=0))
    for seed in range(3):
        sampler.run(random_params(graph, seed=seed), jnp.zeros(0), state0, key=jax.random.key(seed),
                    sweeps=5, beta_start=0.5 + seed, beta_end=1.0)
    assert sampler.trace_count == 1


def test_run_keeps_clamps_and_records_spins():
    graph = grid_graph(6, G8, torus=True, n_visible=3, couplings=np.full((1, 3), 0.4))
    free = _free_grid(graph)
    free[[2, 9]] = False
    state0 = two_group_state(graph, 8, {2: -1, 9: 1}, seed=1)
    sampler = make_sampler(graph, free)

    final, trace = sampler.run(random_params(graph, seed=2), jnp.asarray(graph.coupling[0]), jnp.asarray(state0),
                               key=jax.random.key(0), sweeps=7, beta_start=1.0, beta_end=1.0, record_every=3)
    trace = np.asarray(trace)
    assert trace.shape == (2, 8, graph.n_nodes)
    assert trace.dtype == np.int8
    assert set(np.unique(trace)) == {-1, 1}
    np.testing.assert_array_equal(trace[:, :, ~free], np.broadcast_to(state0[:, ~free], (2, 8, int((~free).sum()))))
    np.testing.assert_array_equal(np.asarray(final)[:, ~free], state0[:, ~free])

    _, no_trace = sampler.run(random_params(graph, seed=2), jnp.asarray(graph.coupling[0]), jnp.asarray(state0),
                              key=jax.random.key(0), sweeps=2, beta_start=1.0, beta_end=1.0)
    assert no_trace is None


def test_auto_kernel_choice():
    torus = grid_graph(4, ((0, 1),), torus=True)
    triangles = triangular_graph(3, (4,), np.zeros((1, 1)))
    assert make_sampler(torus, _free_grid(torus)).kernel_name == "grid"
    assert make_sampler(triangles, _free_grid(triangles)).kernel_name == "generic"


def _bad_calls():
    graph = grid_graph(4, ((0, 1),), torus=True, n_visible=2)
    free = _free_grid(graph)
    sampler = make_sampler(graph, free)
    params = random_params(graph, seed=0)
    state0 = jnp.asarray(two_group_state(graph, 4, {}, seed=0))
    coupling = jnp.zeros(2)
    key = jax.random.key(0)
    freed_input = free.copy()
    freed_input[-1] = True
    triangles = triangular_graph(3, (4,), np.zeros((1, 1)))
    return {
        "kernel": (lambda: make_sampler(graph, free, kernel="fast"), "unknown kernel 'fast'"),
        "rng": (lambda: make_sampler(graph, free, rng="philox"), "unknown rng 'philox'"),
        "mask_shape": (lambda: make_sampler(graph, free[:-1]), "free_mask has shape"),
        "free_input": (lambda: make_sampler(graph, freed_input), "inputs are always clamped"),
        "grid_on_triangles": (lambda: make_sampler(triangles, _free_grid(triangles), kernel="grid"),
                              "kernel='grid' cannot run this graph"),
        "warmup": (lambda: sampler.moments(params, coupling, state0, key=key, warmup=-1, n_samples=2,
                                           spacing=1, beta=1.0), "warmup=-1 is invalid"),
        "spacing": (lambda: sampler.moments(params, coupling, state0, key=key, warmup=0, n_samples=2,
                                            spacing=0, beta=1.0), "spacing=0 is invalid"),
        "state_dtype": (lambda: sampler.run(params, coupling, state0.astype(jnp.int32), key=key, sweeps=1,
                                            beta_start=1.0, beta_end=1.0), "expected int8"),
        "coupling": (lambda: sampler.run(params, jnp.zeros(3), state0, key=key, sweeps=1,
                                         beta_start=1.0, beta_end=1.0), "coupling has shape"),
    }


@pytest.mark.parametrize("case", list(_bad_calls()))
def test_bad_arguments_raise(case):
    call, message = _bad_calls()[case]
    with pytest.raises(DtmcError, match=re.escape(message)):
        call()
