"""Random bits for spin updates: a counter-based integer hash or JAX's threefry, and the Bernoulli draw."""

from __future__ import annotations

from typing import Literal

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int8, UInt32

__all__ = ["RngName", "RNG_NAMES", "hash_bits", "colour_bits", "draw_spins"]

RngName = Literal["hash", "threefry"]
RNG_NAMES: tuple[str, ...] = ("hash", "threefry")

# Multipliers of the `lowbias32` integer hash (Chris Wellons, "Prospecting for Hash Functions",
# 2018): a bijection on 32-bit words with low avalanche bias.
_MIX_1 = 0x7FEB352D
_MIX_2 = 0x846CA68B

# Odd multiplier (2^32 / golden ratio) that spreads consecutive counters before hashing.
_GOLDEN = 0x9E3779B9

# A draw compares the top 24 bits of a word with p * 2^24, so p is resolved to 2^-24 (~6e-8).
_UNIFORM_BITS = 24


def _lowbias32(x: UInt32[Array, "..."]) -> UInt32[Array, "..."]:
    x = x ^ (x >> 16)
    x = x * jnp.uint32(_MIX_1)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(_MIX_2)
    return x ^ (x >> 16)


def hash_bits(seed: UInt32[Array, ""], shape: tuple[int, ...]) -> UInt32[Array, "..."]:
    """Hash the flat element index of `shape` together with `seed` into 32 random bits each.

    The counter is the element's row-major index, so XLA fuses the draw into the loop that
    consumes it and no random array is written to memory. Two hash rounds with the seed mixed in
    between keep the streams of different seeds apart.

    Args:
        seed: uint32 scalar, a fresh draw from a JAX key for every colour update.
        shape: shape of the array of bits.

    Returns:
        uint32 array of `shape`.
    """
    counter = jax.lax.iota(jnp.uint32, _size(shape)).reshape(shape)
    x = _lowbias32(counter * jnp.uint32(_GOLDEN) + seed)
    return _lowbias32(x ^ seed)


def colour_bits(rng: RngName, seed_or_key: Array, shape: tuple[int, ...]) -> UInt32[Array, "..."]:
    """Draw the random words of one colour update with the chosen generator.

    Args:
        rng: "hash" (seed_or_key is a uint32 seed) or "threefry" (seed_or_key is a PRNG key).
        seed_or_key: the per-update seed or key.
        shape: shape of the colour block.

    Returns:
        uint32 array of `shape`.
    """
    if rng == "hash":
        return hash_bits(seed_or_key, shape)
    return jax.random.bits(seed_or_key, shape, jnp.uint32)


def draw_spins(field: Float[Array, "..."], beta: Float[Array, ""], bits: UInt32[Array, "..."]) -> Int8[Array, "..."]:
    """Draw spins with P(s = +1) = sigmoid(2 beta field) from uniform random words.

    Args:
        field: local field sum_j w_ij s_j + b_i of each spin.
        beta: inverse temperature.
        bits: uniform uint32 words, one per spin.

    Returns:
        int8 spins in {-1, +1}, same shape as `field`.
    """
    probability = jax.nn.sigmoid(2.0 * beta * field)
    top = (bits >> (32 - _UNIFORM_BITS)).astype(jnp.int32).astype(jnp.float32)
    is_up = top < probability * float(1 << _UNIFORM_BITS)
    return jnp.where(is_up, jnp.int8(1), jnp.int8(-1))


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for extent in shape:
        size *= extent
    return size
