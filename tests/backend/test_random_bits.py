"""Statistical checks of the counter-based hash generator that drives the fast sampler's updates."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend.random_bits import colour_bits, draw_spins, hash_bits


def _fraction_up(rng: str, probability: float, n_seeds: int, per_seed: int) -> tuple[float, float]:
    """Return (observed fraction of +1 draws, expected probability computed in float32)."""
    field = jnp.float32(0.5 * math.log(probability / (1.0 - probability)))
    beta = jnp.float32(1.0)
    expected = float(jax.nn.sigmoid(2.0 * beta * field))

    @jax.jit
    def count(key):
        if rng == "hash":
            seeds = jax.random.bits(key, (n_seeds,), jnp.uint32)
        else:
            seeds = jax.random.split(key, n_seeds)

        def body(total, seed):
            spins = draw_spins(jnp.full((per_seed,), field), beta, colour_bits(rng, seed, (per_seed,)))
            return total + jnp.sum(spins > 0, dtype=jnp.int32), None

        return jax.lax.scan(body, jnp.int32(0), seeds)[0]

    ups = int(count(jax.random.key(2024)))
    return ups / (n_seeds * per_seed), expected


@pytest.mark.parametrize("probability", [0.5, 0.1, 0.73, 0.95])
@pytest.mark.parametrize("rng", ["hash", "threefry"])
def test_update_probability_unbiased(rng, probability):
    """2^24 draws: standard error <= 1.2e-4, bound 7e-4 (6 sigma)."""
    fraction, expected = _fraction_up(rng, probability, n_seeds=64, per_seed=1 << 18)
    assert abs(fraction - expected) < 7e-4


@pytest.mark.slow
@pytest.mark.parametrize("probability", [0.5, 0.1, 0.73, 0.95])
def test_hash_update_bias_below_1e4(probability):
    """2^30 draws: standard error <= 1.6e-5, so a bias of 1e-4 would show at 6 sigma."""
    fraction, expected = _fraction_up("hash", probability, n_seeds=1024, per_seed=1 << 20)
    assert abs(fraction - expected) < 1e-4


def test_hash_top_byte_uniform():
    """Chi-square of the top byte over 256 bins: 255 degrees of freedom, bound 400 (about 6 sigma)."""
    bits = np.asarray(hash_bits(jnp.uint32(12345), (1 << 22,)))
    counts = np.bincount(bits >> 24, minlength=256)
    expected = bits.size / 256
    chi_square = float(np.sum((counts - expected) ** 2 / expected))
    assert chi_square < 400


@pytest.mark.parametrize("lag", [1, 2, 256, 3600])
def test_hash_neighbouring_counters_uncorrelated(lag):
    """Spins at counters `lag` apart (same seed) have correlation below 6 / sqrt(n)."""
    n = 1 << 22
    spins = np.asarray(draw_spins(jnp.zeros((n,)), jnp.float32(1.0), hash_bits(jnp.uint32(777), (n,))), np.float64)
    correlation = float(np.mean(spins[:-lag] * spins[lag:]))
    assert abs(correlation) < 6 / math.sqrt(n)


def test_hash_consecutive_seeds_uncorrelated():
    """The same counters under seeds s and s + 1 give independent spins."""
    n = 1 << 22
    zeros = jnp.zeros((n,))
    first = np.asarray(draw_spins(zeros, jnp.float32(1.0), hash_bits(jnp.uint32(1000), (n,))), np.float64)
    second = np.asarray(draw_spins(zeros, jnp.float32(1.0), hash_bits(jnp.uint32(1001), (n,))), np.float64)
    assert abs(float(np.mean(first * second))) < 6 / math.sqrt(n)
