"""Timing of the fast sampler path against thrml on the same graph, in spin updates per second."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import thrml

from dtmc.backend.params import Params
from dtmc.backend.sampler import make_sampler
from dtmc.backend.thrml_lowering import lower_to_thrml
from dtmc.program.arrays import GraphArrays

__all__ = ["Runner", "SamplerTiming", "sampler_runner", "thrml_runner", "time_interleaved", "lane_ops_per_update", "peak_lane_ops_per_second", "load_average"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SamplerTiming:
    """Wall-clock seconds of repeated timed runs of one runner.

    Attributes:
        name: what was timed.
        updates: spin updates per timed run (free nodes x chains x sweeps).
        seconds: wall-clock time of each timed run.
    """

    name: str
    updates: int
    seconds: tuple[float, ...]

    @property
    def best_rate(self) -> float:
        """Updates per second of the fastest run."""
        return self.updates / min(self.seconds)

    @property
    def median_rate(self) -> float:
        """Updates per second of the median run."""
        return self.updates / float(np.median(self.seconds))


@dataclass(frozen=True)
class Runner:
    """One compiled sampler run to time.

    Attributes:
        name: what is timed.
        updates: spin updates per run (free nodes x chains x sweeps).
        run: runs once with the given seed and returns the arrays to wait for.
    """

    name: str
    updates: int
    run: Callable[[int], object]


def time_interleaved(runners: list[Runner], repeat: int) -> list[SamplerTiming]:
    """Time each runner `repeat` times, alternating between runners, after one untimed run each.

    Alternating spreads a changing background load over all runners alike, so their ratio is
    fairer than with back-to-back blocks of runs.
    """
    for runner in runners:
        jax.block_until_ready(runner.run(0))

    seconds: list[list[float]] = [[] for _ in runners]
    for attempt in range(1, repeat + 1):
        for index, runner in enumerate(runners):
            start = time.perf_counter()
            jax.block_until_ready(runner.run(attempt))
            seconds[index].append(time.perf_counter() - start)
    return [SamplerTiming(runner.name, runner.updates, tuple(times)) for runner, times in zip(runners, seconds)]


def _inputs(graph: GraphArrays, chains: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (free mask with every grid node free, random int8 initial state)."""
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    rng = np.random.default_rng(seed)
    state0 = np.where(rng.random((chains, graph.n_nodes)) < 0.5, 1, -1).astype(np.int8)
    return free, state0


def sampler_runner(graph: GraphArrays, params: Params, *, chains: int, sweeps: int,
                   kernel: str = "auto", rng: str = "hash") -> Runner:
    """Build a runner of `Sampler.run` for `sweeps` sweeps on `chains` chains with every grid node free.

    Args:
        graph: the graph to sample.
        params: its parameters.
        chains: number of chains.
        sweeps: sweeps per run.
        kernel: kernel name passed to `make_sampler`.
        rng: random-number generator passed to `make_sampler`.

    Returns:
        The runner.
    """
    free, state0 = _inputs(graph, chains, seed=0)
    sampler = make_sampler(graph, free, kernel=kernel, rng=rng)
    coupling = jnp.asarray(graph.coupling[0])
    state0 = jnp.asarray(state0)

    def run(seed: int):
        return sampler.run(params, coupling, state0, key=jax.random.key(seed), sweeps=sweeps,
                           beta_start=1.0, beta_end=1.0)[0]

    return Runner(f"dtmc {sampler.kernel_name}/{rng}", int(free.sum()) * chains * sweeps, run)


def thrml_runner(graph: GraphArrays, params: Params, *, chains: int, sweeps: int) -> Runner:
    """Build a runner of thrml's block-Gibbs sampler on the lowered graph, with the clamps of `sampler_runner`.

    Chains are vmapped. The program is built once and passed to one jitted function, so a run
    only samples.
    """
    free, state0 = _inputs(graph, chains, seed=0)
    lowering = lower_to_thrml(graph, free)
    program = lowering.program(lowering.ebm(params, jnp.asarray(graph.coupling[0]), 1.0))
    free_state, clamped_state = lowering.split_state(jnp.asarray(state0))
    schedule = thrml.SamplingSchedule(sweeps, 1, 1)
    everything = [thrml.Block(lowering.nodes)]

    # thrml programs hold static Python metadata next to arrays, so equinox splits them for jit.
    @eqx.filter_jit
    def sample(key, program, free_state, clamped_state):
        def one_chain(chain_key, chain_free, chain_clamped):
            return thrml.sample_states(chain_key, program, schedule, chain_free, chain_clamped, everything)[0]

        return jax.vmap(one_chain)(jax.random.split(key, chains), free_state, clamped_state)

    def run(seed: int):
        return sample(jax.random.key(seed), program, free_state, clamped_state)

    return Runner("thrml", int(free.sum()) * chains * sweeps, run)


def lane_ops_per_update(graph: GraphArrays) -> int:
    """Estimate the vector-lane operations of one grid-kernel spin update with the hash generator.

    Each neighbour direction costs a load, an int8-to-float conversion and a fused multiply-add
    (3), plus a select where the column shift depends on the row parity (1). Each spin then
    costs the static field load and add (2) and the logistic function (about 20 for the
    exponential and the division). The two hash rounds with counter and seed mixing cost 17, the
    comparison with its conversions 4, and the clamp select and store 3.
    """
    degree = 4 * len(graph.rules)
    parity_selects = sum(1 for a, b in graph.rules for dx in (a, -b, -a, b) if dx % 2 == 0)
    return 3 * degree + parity_selects + 2 + 20 + 17 + 4 + 3


def peak_lane_ops_per_second() -> tuple[float, str] | None:
    """Estimate one core's peak vector-lane operations per second from /proc/cpuinfo.

    Assumes two vector operations issued per cycle at the reported clock, with 16 float32 lanes
    when the CPU has AVX-512 and 8 otherwise. Returns None where /proc/cpuinfo is unavailable.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            info = handle.read()
    except OSError:
        return None
    megahertz = [float(line.split(":")[1]) for line in info.splitlines() if line.startswith("cpu MHz")]
    if not megahertz:
        return None
    lanes = 16 if " avx512f" in info else 8
    hertz = megahertz[0] * 1e6
    return hertz * lanes * 2, f"{hertz / 1e9:.2f} GHz x {lanes} lanes x 2 ops/cycle, one core"


def load_average() -> float | None:
    """Return the one-minute load average, or None where the OS does not report it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
