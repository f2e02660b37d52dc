"""Training pairs of each diffusion step: data noised to the start and end of its interval.

Step k (0-based) models P(x_k | x_(k+1)). It trains on the widened interval [start, end] from
`dtmc.diffusion.training_interval`: the output is the clean data x0 noised to `start`, and the
input is that output noised further over `end - start`. Image and label spins have their own rates.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int8, Key, UInt8

from dtmc.diffusion import flip_probability, training_interval
from dtmc.program.arrays import GraphArrays
from dtmc.spec import ModelSpec

__all__ = ["flip_tables", "noise_pairs", "chain_states", "bits_to_spins"]


def flip_tables(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Return the per-step, per-visible-spin flip probabilities of a training pair.

    Args:
        spec: the model. Its diffusion settings give the intervals, and its data and labels give
            the split of visible spins into image spins (first) and label spins (after them).

    Returns:
        `(to_output, to_input)`, both float32[T, V]: the chance that a clean bit flips on the way to
        the step's output (time `start`), and the chance that an output bit flips on the way to the
        input (a further `end - start`, which is infinite on the last step of a log schedule).
    """
    n_steps = spec.diffusion.steps
    image_spins = spec.data.image_spins
    to_output = np.empty((n_steps, spec.visible_spins), dtype=np.float32)
    to_input = np.empty_like(to_output)

    for k in range(n_steps):
        start, end = training_interval(spec.diffusion, k)
        for rate, columns in (
            (spec.diffusion.image_rate, slice(0, image_spins)),
            (spec.diffusion.label_rate, slice(image_spins, None)),
        ):
            to_output[k, columns] = flip_probability(rate, start)
            to_input[k, columns] = flip_probability(rate, end - start)
    return to_output, to_input


def bits_to_spins(bits: Array) -> Int8[Array, "..."]:
    """Map bits {0, 1} to spins {-1, +1} as int8."""
    return (2 * bits.astype(jnp.int8) - 1).astype(jnp.int8)


def _flip(key: Key[Array, ""], spins: Array, probability: Array) -> Array:
    flips = jax.random.uniform(key, spins.shape) < probability
    return jnp.where(flips, -spins, spins).astype(jnp.int8)


def noise_pairs(
    clean: UInt8[Array, "batch visible"],
    to_output: Float[Array, "steps visible"],
    to_input: Float[Array, "steps visible"],
    *,
    key: Key[Array, ""],
) -> tuple[Int8[Array, "steps batch visible"], Int8[Array, "steps batch visible"]]:
    """Noise one batch of clean bits into an (input, output) pair for every step.

    Args:
        clean: encoded data bits (image then label) of one batch.
        to_output: flip probabilities from clean data to each step's output (`flip_tables`).
        to_input: flip probabilities from each step's output to its input.
        key: PRNG key; every step and both stages draw independent flips.

    Returns:
        `(inputs, outputs)` as spins in {-1, +1}, each int8[T, batch, V].
    """
    spins = bits_to_spins(clean)
    n_steps = to_output.shape[0]
    output_keys, input_keys = jax.random.split(key, (2, n_steps))

    outputs = jax.vmap(lambda k, q: _flip(k, spins, q[None, :]))(output_keys, to_output)
    inputs = jax.vmap(lambda k, x, q: _flip(k, x, q[None, :]))(input_keys, outputs, to_input)
    return inputs, outputs


def chain_states(
    graph: GraphArrays,
    inputs: Int8[Array, "*lead batch visible"],
    outputs: Int8[Array, "*lead batch visible"],
    *,
    key: Key[Array, ""],
) -> Int8[Array, "*lead batch nodes"]:
    """Build initial chain states: hidden grid nodes random, visible and input nodes given.

    Args:
        graph: the compiled graph. `visible_node` gives the grid node of each output, and input
            `v` is node `n_grid + v`.
        inputs: input spins of each chain.
        outputs: output spins of each chain (the clamped data in the positive phase and the start
            value of free chains elsewhere).
        key: PRNG key for the random hidden spins.

    Returns:
        int8 states with `n_nodes` columns, in the node numbering of `GraphArrays`.
    """
    lead = inputs.shape[:-1]
    grid = jax.random.rademacher(key, (*lead, graph.n_grid), dtype=jnp.int8)
    grid = grid.at[..., jnp.asarray(graph.visible_node)].set(outputs)
    return jnp.concatenate([grid, inputs.astype(jnp.int8)], axis=-1)
