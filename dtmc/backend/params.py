"""Trainable parameters of one conditional EBM and the sampled moments its gradient needs."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = ["Params", "Moments"]


class Params(eqx.Module):
    """Trainable weights of the base edges and biases of the grid nodes.

    Input couplings are not parameters: they are fixed per diffusion step and passed to the
    sampler separately.

    Attributes:
        weights: float32[m], weight w_ij of base edge `graph.edges[e]`.
        biases: float32[n_grid], bias b_i of grid node i.
    """

    weights: Float[Array, "m"]
    biases: Float[Array, "n_grid"]

    @classmethod
    def zeros(cls, n_edges: int, n_grid: int) -> "Params":
        """Build all-zero parameters, the usual starting point of training."""
        return cls(jnp.zeros((n_edges,), jnp.float32), jnp.zeros((n_grid,), jnp.float32))


class Moments(eqx.Module):
    """Sample moments of the grid spins, averaged over chains and samples.

    Attributes:
        node: float32[n_grid], mean of s_i.
        edge: float32[m], mean of s_i s_j for every base edge.
        edge_of_means: float32[m], mean over chains c of m_i^c m_j^c, where m^c is chain c's own
            sample mean; the correlation penalty compares it with `edge`.
    """

    node: Float[Array, "n_grid"]
    edge: Float[Array, "m"]
    edge_of_means: Float[Array, "m"]
