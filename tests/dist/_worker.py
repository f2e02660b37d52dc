"""Subprocess body of the device tests: sample and train under a layout, save arrays for comparison.

JAX fixes its device count when it starts, so each device count runs in its own process, started
by the tests with XLA_FLAGS=--xla_force_host_platform_device_count=N. Usage::

    python -m tests.dist._worker OUT_DIR [--devices N] [--resume CHECKPOINT]
        [--coordinator HOST:PORT --num-processes P --process-id I]

It writes OUT_DIR/moments.npz (sampler moments of both kernels), OUT_DIR/train.npz (parameters
after one and two epochs, update trace count, collective counts) and OUT_DIR/epoch_001.ckpt.
With --resume it also trains the second epoch from the given checkpoint (`resumed_*` arrays),
waiting for that file to appear, since the tests start both runs at once.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from dtmc.backend import make_sampler
from dtmc.backend.params import Params
from dtmc.backend.synthetic import grid_graph
from dtmc.dist import (
    DistributedConfig,
    initialize_processes,
    is_writer,
    jit_over_layout,
    layout_invariant_factory,
    plan_layout,
    use_layout,
)
from dtmc.spec import PATTERNS
from dtmc.train.checkpoint import load_checkpoint, save_checkpoint
from dtmc.train.trainer import Trainer
from tests.train.helpers import tiny_program, tiny_spec, toy_bits

N_STEPS = 2
CHAINS = 64
COLLECTIVES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")


def collective_counts(compiled_text: str) -> dict[str, int]:
    """Count the cross-device operations in an optimised HLO module."""
    return {name: len(re.findall(rf"\b{name}(?:-start)?\(", compiled_text)) for name in COLLECTIVES}


def sample_moments(devices: int) -> dict[str, np.ndarray]:
    """Estimate moments of a 2-step G8 torus with both kernels, raw and layout-invariant."""
    rng = np.random.default_rng(0)
    graph = grid_graph(12, PATTERNS["G8"], n_visible=10, couplings=rng.normal(0.0, 0.5, (N_STEPS, 10)))
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    weights = jnp.asarray(rng.normal(0.0, 0.3, (N_STEPS, graph.edges.shape[0])), jnp.float32)
    biases = jnp.asarray(rng.normal(0.0, 0.2, (N_STEPS, graph.n_grid)), jnp.float32)
    state0 = jnp.asarray(np.where(rng.random((CHAINS, graph.n_nodes)) < 0.5, 1, -1).astype(np.int8))
    couplings = jnp.asarray(graph.coupling)
    layout = plan_layout(N_STEPS, CHAINS, devices)

    results: dict[str, np.ndarray] = {}
    for kernel in ("grid", "generic"):
        for wrapped in (False, True):
            sampler = make_sampler(graph, free, kernel=kernel)
            if wrapped:
                sampler = layout_invariant_factory(lambda graph, mask, sampler=sampler: sampler)(graph, free)

            def one_step(w, b, coupling, state0, key, sampler=sampler):
                return sampler.moments(Params(w, b), coupling, state0, key=key, warmup=6, n_samples=5, spacing=2, beta=1.0)

            def moments(w, b, coupling, state0, key, one_step=one_step):
                # Every step starts from the same chains, so state0 is shared, not vmapped.
                return jax.vmap(one_step, in_axes=(0, 0, 0, None, 0))(w, b, coupling, state0, jax.random.split(key, N_STEPS))

            jitted = jit_over_layout(moments, ("steps", "steps", "steps", "chains", "replicated"), layout=layout)
            arguments = (weights, biases, couplings, state0, jax.random.key(5))
            result = jitted(*arguments)
            name = f"{kernel}_{'invariant' if wrapped else 'raw'}"
            for field in ("node", "edge", "edge_of_means"):
                results[f"{name}_{field}"] = np.asarray(getattr(result, field))
            counts = collective_counts(jitted.lower(*arguments).compile().as_text())
            results[f"{name}_all_reduce"] = np.array(counts["all-reduce"])
    return results


def train(devices: int | None, out: Path, resume: Path | None) -> dict[str, np.ndarray]:
    """Train the tiny program for two epochs under a layout; save the first epoch's checkpoint."""
    program = tiny_program(tiny_spec(batch=CHAINS))
    bits, _ = toy_bits(4 * CHAINS)
    layout = plan_layout(N_STEPS, CHAINS, devices)
    results: dict[str, np.ndarray] = {}

    with use_layout(layout):
        trainer = Trainer(program, bits)
        first = trainer.train_epoch(trainer.initial_state())
        second = trainer.train_epoch(first)
        if resume is not None:
            _wait_for(resume)
            loaded = load_checkpoint(resume, program.graph, trainer.optimiser_template())
            resumed = trainer.train_epoch(loaded)
            results["resumed_weights"] = resumed.weights
            results["resumed_biases"] = resumed.biases

        state = trainer.initial_state()
        arguments = (state.weights, state.biases, state.opt_state, bits[:CHAINS], jax.random.key(0),
                     np.zeros(N_STEPS, np.float32))
        counts = collective_counts(trainer._update.lower(*arguments).compile().as_text())

    if is_writer():
        save_checkpoint(out / "epoch_001.ckpt", first, program.graph)
    results.update(
        weights_1=first.weights, biases_1=first.biases, weights_2=second.weights, biases_2=second.biases,
        update_traces=np.array(trainer.trace_counts["update"]), all_reduce=np.array(counts["all-reduce"]),
        n_devices=np.array(layout.n_devices), chain_shards=np.array(layout.chain_shards),
    )
    return results


def _wait_for(path: Path, timeout_s: float = 600.0) -> None:
    """Wait until `path` exists: the tests start the run that writes it at the same time as this one."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"checkpoint {path} did not appear within {timeout_s:.0f} s")
        time.sleep(0.2)


def main() -> None:
    """Parse the options, run both jobs and write their arrays."""
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--devices", type=int)
    parser.add_argument("--resume", type=Path)
    parser.add_argument("--coordinator")
    parser.add_argument("--num-processes", type=int)
    parser.add_argument("--process-id", type=int)
    parser.add_argument("--skip-moments", action="store_true")
    args = parser.parse_args()

    initialize_processes(DistributedConfig(args.coordinator, args.num_processes, args.process_id))
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.skip_moments and is_writer():
        np.savez(args.out / "moments.npz", **sample_moments(args.devices))
    np.savez(args.out / f"train_{jax.process_index()}.npz", **train(args.devices, args.out, args.resume))


if __name__ == "__main__":
    main()
