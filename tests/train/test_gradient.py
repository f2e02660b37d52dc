"""Gradient estimator against the exact gradient of the conditional log-likelihood."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend.params import Params
from dtmc.train.gradient import estimate_gradient

from .helpers import ExactSampler, open_grid, phase_masks

BETA = 0.9


def _problem():
    """A 3x3 open grid (9 spins, 12 edges) with 2 visible spins and their 2 inputs: 11 spins."""
    graph = open_grid(3, 2, 0, np.array([[0.7, 0.4]]))
    rng = np.random.default_rng(1)
    params = Params(
        weights=jnp.asarray(0.5 * rng.standard_normal(graph.edges.shape[0]), jnp.float32),
        biases=jnp.asarray(0.3 * rng.standard_normal(graph.n_grid), jnp.float32),
    )
    # Three chains, each with its own input and output pair.
    inputs = np.array([[1, -1], [-1, -1], [1, 1]], dtype=np.int8)
    outputs = np.array([[1, 1], [-1, 1], [1, -1]], dtype=np.int8)
    state = np.ones((3, graph.n_nodes), dtype=np.int8)
    state[:, graph.visible_node] = outputs
    state[:, graph.n_grid :] = inputs
    return graph, params, jnp.asarray(graph.coupling[0]), jnp.asarray(state)


def _exact_nll(graph, weights, biases, coupling, state):
    """Mean over chains of -log P(output | input), by enumerating hidden and output spins."""
    masks = phase_masks(graph)
    positive = ExactSampler(graph, masks["train_positive"])
    negative = ExactSampler(graph, masks["train_negative"])
    params = Params(weights=weights, biases=biases)
    clamped, _ = positive.log_weights(params, coupling, state, BETA)
    free, _ = negative.log_weights(params, coupling, state, BETA)
    return jnp.mean(jax.nn.logsumexp(free, axis=0) - jax.nn.logsumexp(clamped, axis=0))


def _moments(graph, params, coupling, state):
    masks = phase_masks(graph)
    kwargs = dict(key=jax.random.key(0), warmup=0, n_samples=1, spacing=1, beta=BETA)
    positive = ExactSampler(graph, masks["train_positive"]).moments(params, coupling, state, **kwargs)
    negative = ExactSampler(graph, masks["train_negative"]).moments(params, coupling, state, **kwargs)
    return positive, negative


def test_gradient_matches_exact_likelihood_gradient():
    graph, params, coupling, state = _problem()
    positive, negative = _moments(graph, params, coupling, state)

    grad_weights, grad_biases = estimate_gradient(positive, negative, params.weights, beta=BETA, penalty=0.0, weight_decay=0.0)
    exact_weights, exact_biases = jax.grad(_exact_nll, argnums=(1, 2))(graph, params.weights, params.biases, coupling, state)

    np.testing.assert_allclose(grad_weights, exact_weights, atol=2e-5)
    np.testing.assert_allclose(grad_biases, exact_biases, atol=2e-5)


def test_gradient_penalty_and_decay_terms():
    graph, params, coupling, state = _problem()
    positive, negative = _moments(graph, params, coupling, state)
    plain, _ = estimate_gradient(positive, negative, params.weights, beta=BETA, penalty=0.0, weight_decay=0.0)
    regularised, biases = estimate_gradient(positive, negative, params.weights, beta=BETA, penalty=0.3, weight_decay=0.05)

    # The penalty follows the per-chain covariance of each edge's endpoints, the decay the weights.
    covariance = negative.edge - negative.edge_of_means
    np.testing.assert_allclose(regularised - plain, BETA * 0.3 * covariance + 0.05 * params.weights, atol=1e-6)
    _, plain_biases = estimate_gradient(positive, negative, params.weights, beta=BETA, penalty=0.0, weight_decay=0.0)
    np.testing.assert_array_equal(biases, plain_biases)


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_zero_when_model_matches_data(seed):
    """Identical positive and negative moments give zero likelihood gradient."""
    graph, params, coupling, state = _problem()
    _, negative = _moments(graph, params, coupling, state)
    grad_weights, grad_biases = estimate_gradient(negative, negative, params.weights, beta=BETA, penalty=0.0, weight_decay=0.0)
    assert float(jnp.max(jnp.abs(grad_weights))) == 0.0
    assert float(jnp.max(jnp.abs(grad_biases))) == 0.0
