"""Training pairs: flip probabilities from the forward process, and chain state layout."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.diffusion import flip_probability, training_interval
from dtmc.spec import DiffusionSpec
from dtmc.train.noising import chain_states, flip_tables, noise_pairs

from .helpers import tiny_program, tiny_spec


def test_flip_tables_follow_training_interval():
    spec = tiny_spec()
    to_output, to_input = flip_tables(spec)
    assert to_output.shape == (2, 6)
    for k in range(2):
        start, end = training_interval(spec.diffusion, k)
        assert to_output[k, 0] == pytest.approx(flip_probability(1.5, start))
        assert to_output[k, 5] == pytest.approx(flip_probability(1.0, start))
        assert to_input[k, 3] == pytest.approx(flip_probability(1.5, end - start))
        assert to_input[k, 4] == pytest.approx(flip_probability(1.0, end - start))


def test_flip_tables_log_schedule_last_input_is_noise():
    spec = tiny_spec()
    spec = type(spec)(**{**spec.__dict__, "diffusion": DiffusionSpec(steps=3, schedule="log", offset=0.1)})
    to_output, to_input = flip_tables(spec)
    np.testing.assert_allclose(to_input[-1], 0.5)
    np.testing.assert_allclose(to_output[0], 0.0)


def test_noise_pairs_flip_rates():
    """With 20,000 examples the empirical flip rates are within 0.015 of the tables."""
    to_output = jnp.array([[0.1, 0.1, 0.3], [0.0, 0.2, 0.5]])
    to_input = jnp.array([[0.25, 0.05, 0.0], [0.4, 0.4, 0.1]])
    clean = jnp.ones((20000, 3), dtype=jnp.uint8)
    inputs, outputs = noise_pairs(clean, to_output, to_input, key=jax.random.key(5))
    assert inputs.dtype == jnp.int8
    assert inputs.shape == (2, 20000, 3)

    np.testing.assert_allclose(np.mean(np.asarray(outputs) == -1, axis=1), to_output, atol=0.015)
    np.testing.assert_allclose(np.mean(np.asarray(inputs) != np.asarray(outputs), axis=1), to_input, atol=0.015)


def test_chain_states_layout():
    graph = tiny_program().graph
    inputs = jnp.array([[1, -1, 1, -1, 1, 1]], dtype=jnp.int8)
    outputs = jnp.array([[-1, -1, 1, 1, -1, 1]], dtype=jnp.int8)
    state = chain_states(graph, inputs, outputs, key=jax.random.key(0))
    assert state.shape == (1, graph.n_nodes)
    assert state.dtype == jnp.int8
    np.testing.assert_array_equal(state[0, graph.visible_node], outputs[0])
    np.testing.assert_array_equal(state[0, graph.n_grid :], inputs[0])
    assert set(np.unique(np.asarray(state))) <= {-1, 1}
