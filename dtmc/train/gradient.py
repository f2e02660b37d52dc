"""Monte Carlo gradient of one step's conditional EBM from positive- and negative-phase moments."""

from __future__ import annotations

from typing import Protocol

import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = ["PhaseMoments", "estimate_gradient"]


class PhaseMoments(Protocol):
    """Moments of one sampling phase, as `dtmc.backend.Moments` provides them."""

    node: Float[Array, "n_grid"]
    edge: Float[Array, "m"]
    edge_of_means: Float[Array, "m"]


def estimate_gradient(
    positive: PhaseMoments,
    negative: PhaseMoments,
    weights: Float[Array, "m"],
    *,
    beta: float | Array,
    penalty: float | Array,
    weight_decay: float | Array,
) -> tuple[Float[Array, "m"], Float[Array, "n_grid"]]:
    """Estimate the gradient of the conditional negative log-likelihood of one step.

    The likelihood gradient is g_w = -beta (<s_i s_j>+ - <s_i s_j>-) and
    g_b = -beta (<s_i>+ - <s_i>-), where + clamps inputs and outputs and - clamps only inputs.
    The correlation penalty cp adds beta * cp * (<s_i s_j>- - <s_i>-<s_j>-), the model's own
    covariance, so a descent step shrinks couplings along it and the chains mix faster. The means
    are per chain (`edge_of_means`) because every chain has its own conditioning input. Weight
    decay adds weight_decay * w. Both regularisers touch base weights only, never biases or the
    fixed input couplings.

    Args:
        positive: moments with inputs and outputs clamped.
        negative: moments with inputs clamped.
        weights: current base-edge weights (for weight decay).
        beta: inverse temperature of training.
        penalty: correlation penalty coefficient cp.
        weight_decay: L2 coefficient.

    Returns:
        `(grad_weights, grad_biases)`, shaped like the weights and grid biases.
    """
    covariance = negative.edge - negative.edge_of_means
    grad_weights = -beta * (positive.edge - negative.edge) + beta * penalty * covariance
    grad_weights = grad_weights + weight_decay * weights
    grad_biases = -beta * (positive.node - negative.node)
    return grad_weights.astype(jnp.float32), grad_biases.astype(jnp.float32)
