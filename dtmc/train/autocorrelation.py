"""Chain autocorrelation over lag, the mixing diagnostic behind the adaptive correlation penalty."""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = ["autocorrelation_curve", "long_lag_value", "make_autocorrelation_probe"]


def autocorrelation_curve(
    trace: Float[Array, "records chains visible"], directions: Float[Array, "directions visible"]
) -> Float[Array, "lags"]:
    """Return the normalised autocorrelation of projected chain states for lags 0..records // 2.

    Each chain's visible state is projected onto every direction, giving one scalar series per
    (chain, direction). Each series is centred by its own mean over the late half of the records,
    which estimates the chain's stationary mean (chains have different conditioning inputs, so
    different means). Dividing by the late-half variance pooled over chains makes lag 0 about 1, and
    a chain that has not yet forgotten its start keeps a high value at long lags. The curve averages
    (y_t - mu)(y_(t+lag) - mu) / var over start records t in the first half, clipped to [-1, 1] so a
    direction whose chains stopped moving reads as fully correlated rather than dividing by zero.

    Args:
        trace: recorded states (spins as floats) of free chains, oldest first.
        directions: projection directions.

    Returns:
        float32[records // 2 + 1].
    """
    series = jnp.einsum("rcv,dv->dcr", trace, directions)
    half = series.shape[-1] // 2
    late = series[..., -half:]
    mean = jnp.mean(late, axis=-1, keepdims=True)
    variance = jnp.mean((late - mean) ** 2, axis=(1, 2), keepdims=True)
    frozen = variance < 1e-9
    centred = (series - mean) / jnp.sqrt(jnp.where(frozen, 1.0, variance))

    def at_lag(lag):
        shifted = jax.lax.dynamic_slice_in_dim(centred, lag, half, axis=-1)
        products = jnp.mean(centred[..., :half] * shifted, axis=(1, 2))
        return jnp.mean(jnp.where(frozen[:, 0, 0], 1.0, jnp.clip(products, -1.0, 1.0)))

    return jax.lax.map(at_lag, jnp.arange(half + 1))


def long_lag_value(curve: np.ndarray) -> float:
    """Return the mean of the last quarter of an autocorrelation curve: its value at long lag."""
    curve = np.asarray(curve)
    return float(np.mean(curve[-max(1, curve.shape[-1] // 4) :]))


def make_autocorrelation_probe(
    sampler: Any,
    visible_node: np.ndarray,
    *,
    sweeps: int,
    record_every: int,
    n_directions: int = 8,
    seed: int = 0,
    on_trace: Callable[[], None] | None = None,
) -> Callable[..., Float[Array, "steps lags"]]:
    """Build a function, jitted once, that measures every step's autocorrelation curve.

    Args:
        sampler: a `dtmc.backend` sampler whose free mask leaves outputs and hidden nodes free.
        visible_node: grid node of each visible spin.
        sweeps: sweeps each chain runs (the trace length).
        record_every: sweeps between recorded states.
        n_directions: number of random projection directions.
        seed: seed of the fixed Gaussian directions.
        on_trace: called each time jax traces the probe, so callers can check it compiles once.

    Returns:
        `probe(params, couplings, states, *, key)` with params, couplings f32[T, V] and chain states
        int8[T, C, n_nodes] stacked over steps; it returns float32[T, lags].
    """
    visible = jnp.asarray(visible_node)
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((n_directions, visible.shape[0])).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    directions = jnp.asarray(directions)

    def one_step(params, coupling, state, key):
        _, trace = sampler.run(
            params, coupling, state, key=key, sweeps=sweeps, beta_start=1.0, beta_end=1.0,
            record_every=record_every,
        )
        return autocorrelation_curve(trace[:, :, visible].astype(jnp.float32), directions)

    @jax.jit
    def probe(params, couplings, states, keys):
        if on_trace is not None:
            on_trace()
        return jax.vmap(one_step)(params, couplings, states, keys)

    def run(params, couplings, states, *, key):
        keys = jax.random.split(key, couplings.shape[0])
        return probe(params, couplings, states, keys)

    return run
