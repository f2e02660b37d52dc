"""Block-Gibbs sampler of one conditional EBM: moment estimation for training and annealed runs."""

from __future__ import annotations

import logging
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int8, Key

from dtmc.backend.generic_kernel import GenericKernel
from dtmc.backend.grid_kernel import GridKernel, grid_kernel_supported
from dtmc.backend.params import Moments, Params
from dtmc.backend.random_bits import RNG_NAMES, RngName, colour_bits
from dtmc.errors import DtmcError
from dtmc.program.arrays import GraphArrays

__all__ = ["KernelName", "KERNEL_NAMES", "Sampler", "make_sampler"]

logger = logging.getLogger(__name__)

KernelName = Literal["auto", "grid", "generic"]
KERNEL_NAMES: tuple[str, ...] = ("auto", "grid", "generic")


class Sampler:
    """Block-Gibbs sampler bound to one graph, clamp mask, kernel and random-number generator.

    `moments` and `run` are pure functions of their array arguments: they work inside `jax.jit`
    and under `jax.vmap` over a leading step axis of (params, coupling, state0, key). Called
    directly, each compiles once per distinct shape and sweep count.

    Attributes:
        graph: the graph it samples.
        free_mask: bool[n_nodes], True for sampled nodes.
        kernel_name: "grid" or "generic", the kernel in use.
        rng: "hash" or "threefry".
        trace_count: how many times `moments` and `run` have been traced, for compile-once checks.
    """

    def __init__(self, graph: GraphArrays, free_mask: np.ndarray, kernel_name: str, rng: RngName):
        self.graph = graph
        self.free_mask = free_mask
        self.kernel_name = kernel_name
        self.rng = rng
        self.kernel = GridKernel(graph, free_mask) if kernel_name == "grid" else GenericKernel(graph, free_mask)
        self.trace_count = 0
        self._moments = jax.jit(self._moments_impl, static_argnames=("warmup", "n_samples", "spacing"))
        self._run = jax.jit(self._run_impl, static_argnames=("sweeps", "record_every"))

    def moments(
        self,
        params: Params,
        coupling: Float[Array, "V"],
        state0: Int8[Array, "chains n_nodes"],
        *,
        key: Key[Array, ""],
        warmup: int,
        n_samples: int,
        spacing: int,
        beta: float | Array,
    ) -> Moments:
        """Estimate the moments of the grid spins at inverse temperature `beta`.

        Every chain runs `warmup` sweeps, then takes `n_samples` samples, each after `spacing`
        more sweeps. Sums are accumulated in float32.

        Args:
            params: edge weights and grid biases.
            coupling: float32[V], this step's fixed input couplings.
            state0: int8[chains, n_nodes] in {-1, +1}: clamped values and initial free values.
            key: PRNG key.
            warmup: sweeps before the first sample (>= 0).
            n_samples: number of samples per chain (>= 1).
            spacing: sweeps between samples (>= 1).
            beta: inverse temperature.

        Returns:
            The node, edge and edge-of-means moments.

        Raises:
            DtmcError: if a sweep count is out of range or an array has the wrong shape.
        """
        _check_count("warmup", warmup, 0)
        _check_count("n_samples", n_samples, 1)
        _check_count("spacing", spacing, 1)
        self._check_shapes(coupling, state0)
        return self._moments(params, coupling, state0, key, jnp.asarray(beta, jnp.float32),
                             warmup=warmup, n_samples=n_samples, spacing=spacing)

    def run(
        self,
        params: Params,
        coupling: Float[Array, "V"],
        state0: Int8[Array, "chains n_nodes"],
        *,
        key: Key[Array, ""],
        sweeps: int,
        beta_start: float | Array,
        beta_end: float | Array,
        record_every: int = 0,
    ) -> tuple[Int8[Array, "chains n_nodes"], Int8[Array, "records chains n_nodes"] | None]:
        """Run `sweeps` sweeps with beta annealed linearly from `beta_start` to `beta_end`.

        Sweep t (0-based) uses beta_start + (beta_end - beta_start) * t / (sweeps - 1).

        Args:
            params: edge weights and grid biases.
            coupling: float32[V], this step's fixed input couplings.
            state0: int8[chains, n_nodes] in {-1, +1}: clamped values and initial free values.
            key: PRNG key.
            sweeps: number of sweeps (>= 1).
            beta_start: inverse temperature of the first sweep.
            beta_end: inverse temperature of the last sweep.
            record_every: record the state after every `record_every` sweeps; 0 records nothing.

        Returns:
            (final state int8[chains, n_nodes], trace int8[sweeps // record_every, chains, n_nodes]
            or None when record_every is 0).

        Raises:
            DtmcError: if a sweep count is out of range or an array has the wrong shape.
        """
        _check_count("sweeps", sweeps, 1)
        _check_count("record_every", record_every, 0)
        self._check_shapes(coupling, state0)
        return self._run(params, coupling, state0, key, jnp.asarray(beta_start, jnp.float32),
                         jnp.asarray(beta_end, jnp.float32), sweeps=sweeps, record_every=record_every)

    def _check_shapes(self, coupling: Array, state0: Array) -> None:
        n_visible, n_nodes = self.graph.n_visible, self.graph.n_nodes
        if jnp.shape(coupling)[-1:] != (n_visible,):
            raise DtmcError(f"coupling has shape {jnp.shape(coupling)}; expected (..., {n_visible}), one J per visible spin")
        if jnp.ndim(state0) < 2 or jnp.shape(state0)[-1] != n_nodes:
            raise DtmcError(f"state0 has shape {jnp.shape(state0)}; expected (..., chains, {n_nodes})")
        if jnp.result_type(state0) != jnp.int8:
            raise DtmcError(f"state0 has dtype {jnp.result_type(state0)}; expected int8 spins in {{-1, +1}}")

    def _prepare(self, params: Params, coupling: Array, state0: Array):
        n_grid, visible = self.graph.n_grid, self.graph.visible_node
        input_coupling = jnp.zeros((n_grid,), jnp.float32).at[visible].set(jnp.asarray(coupling, jnp.float32))
        input_spins = jnp.zeros((n_grid, state0.shape[0]), jnp.int8).at[visible].set(state0[:, n_grid:].T)
        return self.kernel.prepare(params, input_coupling, input_spins, state0[:, :n_grid].T)

    def _sweep(self, prepared, state, beta: Array, key: Array):
        """Update every colour once, in order."""
        if self.rng == "hash":
            seeds = jax.random.bits(key, (self.kernel.n_colours,), jnp.uint32)
        else:
            seeds = jax.random.split(key, self.kernel.n_colours)
        for colour in range(self.kernel.n_colours):
            seed = seeds[colour]
            state = self.kernel.update(prepared, state, colour, beta,
                                       lambda shape, seed=seed: colour_bits(self.rng, seed, shape))
        return state

    def _sweeps(self, prepared, state, betas: Array, keys: Array):
        def body(carry, inputs):
            beta, key = inputs
            return self._sweep(prepared, carry, beta, key), None

        return jax.lax.scan(body, state, (betas, keys))[0]

    def _moments_impl(self, params, coupling, state0, key, beta, *, warmup, n_samples, spacing):
        self.trace_count += 1
        logger.debug("tracing moments: chains=%d warmup=%d samples=%d spacing=%d",
                     state0.shape[0], warmup, n_samples, spacing)
        prepared, state = self._prepare(params, coupling, state0)
        keys = jax.random.split(key, warmup + n_samples * spacing)
        betas = jnp.full((spacing,), beta)
        state = self._sweeps(prepared, state, jnp.full((warmup,), beta), keys[:warmup])

        def sample(carry, sample_keys):
            state, node_sum, edge_sum = carry
            state = self._sweeps(prepared, state, betas, sample_keys)
            values = self.kernel.as_float(state)
            node_sum = jax.tree.map(jnp.add, node_sum, values)
            return (state, node_sum, edge_sum + self.kernel.pair_sums(values)), None

        zeros = jax.tree.map(jnp.zeros_like, self.kernel.as_float(state))
        sample_keys = keys[warmup:].reshape(n_samples, spacing, *keys.shape[1:])
        carry = (state, zeros, jnp.zeros((self.kernel.n_edges,), jnp.float32))
        _, node_sum, edge_sum = jax.lax.scan(sample, carry, sample_keys)[0]

        # Every sum below adds integers (spins are +-1), so it is exact in float32 below 2^24 in
        # any reduction order, including a sharded one. Each sum is divided once at the end.
        chains = state0.shape[0]
        return Moments(
            node=jnp.sum(self.kernel.to_nodes(node_sum), axis=-1) / (n_samples * chains),
            edge=edge_sum / (n_samples * chains),
            edge_of_means=self.kernel.pair_sums(node_sum) / (n_samples * n_samples * chains),
        )

    def _run_impl(self, params, coupling, state0, key, beta_start, beta_end, *, sweeps, record_every):
        self.trace_count += 1
        logger.debug("tracing run: chains=%d sweeps=%d record_every=%d", state0.shape[0], sweeps, record_every)
        prepared, state = self._prepare(params, coupling, state0)
        keys = jax.random.split(key, sweeps)
        fraction = jnp.arange(sweeps, dtype=jnp.float32) / max(sweeps - 1, 1)
        betas = beta_start + (beta_end - beta_start) * fraction

        def to_global(state):
            grid = self.kernel.to_nodes(state).T
            return jnp.concatenate([grid, state0[:, self.graph.n_grid:]], axis=1)

        if record_every == 0:
            return to_global(self._sweeps(prepared, state, betas, keys)), None

        n_records = sweeps // record_every
        recorded = n_records * record_every

        def block(carry, inputs):
            block_betas, block_keys = inputs
            carry = self._sweeps(prepared, carry, block_betas, block_keys)
            return carry, to_global(carry)

        shape = (n_records, record_every)
        state, trace = jax.lax.scan(block, state, (betas[:recorded].reshape(shape),
                                                   keys[:recorded].reshape(*shape, *keys.shape[1:])))
        state = self._sweeps(prepared, state, betas[recorded:], keys[recorded:])
        return to_global(state), trace


def make_sampler(
    graph: GraphArrays,
    free_mask: np.ndarray,
    *,
    kernel: KernelName = "auto",
    rng: RngName = "hash",
) -> Sampler:
    """Build a block-Gibbs sampler for `graph` with the nodes of `free_mask` sampled.

    Args:
        graph: the compiled graph.
        free_mask: bool[n_nodes], True for sampled nodes; input nodes must be False.
        kernel: "grid" (shifted arrays, checkerboard grids only), "generic" (gathers, any
            proper colouring) or "auto" (grid when the graph allows it).
        rng: "hash" (fused counter-based hash, the fast default) or "threefry" (JAX's generator).

    Returns:
        The sampler.

    Raises:
        DtmcError: if an option is unknown, the mask has the wrong shape or frees an input node,
            or the grid kernel is requested for a graph it cannot run.
    """
    if kernel not in KERNEL_NAMES:
        raise DtmcError(f"unknown kernel {kernel!r}; choose one of {', '.join(KERNEL_NAMES)}")
    if rng not in RNG_NAMES:
        raise DtmcError(f"unknown rng {rng!r}; choose one of {', '.join(RNG_NAMES)}")
    free_mask = np.asarray(free_mask)
    if free_mask.shape != (graph.n_nodes,) or free_mask.dtype != bool:
        raise DtmcError(f"free_mask has shape {free_mask.shape} and dtype {free_mask.dtype}; expected bool[{graph.n_nodes}]")
    repeated = np.flatnonzero(np.bincount(graph.visible_node, minlength=graph.n_grid) > 1)
    if repeated.size:
        raise DtmcError(f"invalid graph: grid node {int(repeated[0])} carries more than one visible spin; "
                        "recompile so that each visible spin has its own node")
    if np.any(free_mask[graph.n_grid:]):
        raise DtmcError("free_mask marks input nodes as free; inputs are always clamped, so set free_mask[n_grid:] to False")

    reason = grid_kernel_supported(graph)
    if kernel == "grid" and reason is not None:
        raise DtmcError(f"kernel='grid' cannot run this graph because {reason}; use kernel='generic' or 'auto'")
    chosen = "grid" if kernel == "grid" or (kernel == "auto" and reason is None) else "generic"
    logger.info("sampler: kernel=%s rng=%s nodes=%d edges=%d", chosen, rng, graph.n_nodes, graph.edges.shape[0])
    return Sampler(graph, free_mask, chosen, rng)


def _check_count(name: str, value: int, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or value < minimum:
        raise DtmcError(f"{name}={value!r} is invalid; it must be an integer >= {minimum}")
