"""Benchmark sampler throughput against device count on forced host (CPU) devices.

Run: `.venv/bin/python benchmarks/bench_devices.py [--devices 1 2 4] [--side 60] [--chains 256]
[--steps 1] [--sweeps 100] [--repeat 3]`. For each device count the script starts a child
process with XLA_FLAGS=--xla_force_host_platform_device_count=N (JAX fixes the count when it
starts), compiles `Sampler.run` vmapped over `--steps` diffusion steps and split over the layout
that `dtmc.dist.plan_layout` picks, and times it after one untimed compiling run. It prints spin
updates per second, the speed-up over one device and the efficiency per device.

Forced host devices share the machine's cores, so the numbers show the overhead of splitting
(per-device programs, cross-device sums) and how far the cores are used, not what separate
accelerators would give.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def child(options: argparse.Namespace) -> dict:
    """Time the sampler on this process's devices; return the measurement."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from dtmc.backend.params import Params
    from dtmc.backend.sampler import make_sampler
    from dtmc.backend.synthetic import grid_graph
    from dtmc.dist import jit_over_layout, plan_layout
    from dtmc.spec import PATTERNS

    rng = np.random.default_rng(0)
    steps = options.steps
    graph = grid_graph(options.side, PATTERNS[options.pattern], n_visible=options.side,
                       couplings=np.full((steps, options.side), 0.5, np.float32))
    free = np.zeros(graph.n_nodes, bool)
    free[: graph.n_grid] = True
    sampler = make_sampler(graph, free, rng=options.rng)
    weights = rng.normal(0.0, 0.05, (steps, graph.edges.shape[0])).astype(np.float32)
    biases = np.zeros((steps, graph.n_grid), np.float32)
    state0 = np.where(rng.random((options.chains, graph.n_nodes)) < 0.5, 1, -1).astype(np.int8)
    layout = plan_layout(steps, options.chains, jax.device_count())

    def run_steps(weights, biases, coupling, state0, key):
        def one_step(w, b, c, k):
            final, _ = sampler.run(Params(w, b), c, state0, key=k, sweeps=options.sweeps, beta_start=1.0, beta_end=1.0)
            return final

        return jax.vmap(one_step)(weights, biases, coupling, jax.random.split(key, steps))

    jitted = jit_over_layout(run_steps, ("steps", "steps", "steps", "chains", "replicated"), layout=layout)
    arguments = [weights, biases, graph.coupling, state0]
    jitted(*arguments, jax.random.key(0)).block_until_ready()

    seconds = []
    for trial in range(options.repeat):
        started = time.perf_counter()
        jitted(*arguments, jax.random.key(trial + 1)).block_until_ready()
        seconds.append(time.perf_counter() - started)

    updates = int(free.sum()) * options.chains * options.sweeps * steps
    return {"devices": layout.n_devices, "layout": layout.describe(), "updates": updates, "seconds": seconds}


def parent(options: argparse.Namespace) -> None:
    """Run one child per device count and print the table."""
    rows = []
    for devices in options.devices:
        environment = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}", JAX_PLATFORMS="cpu")
        command = [sys.executable, __file__, "--child", *sys.argv[1:]]
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            sys.exit(f"child with {devices} device(s) failed:\n{finished.stderr[-3000:]}")
        rows.append(json.loads(finished.stdout.strip().splitlines()[-1]))

    print(f"{options.pattern} {options.side}x{options.side} torus, {options.chains} chains, {options.steps} step(s), "
          f"{options.sweeps} sweeps per run, rng {options.rng}, best of {options.repeat}; {os.cpu_count()} CPU cores")
    print(f"{'devices':>7}  {'updates/s':>10}  {'ns/update':>9}  {'speed-up':>8}  {'per device':>10}  layout")
    base = None
    for row in rows:
        rate = row["updates"] / min(row["seconds"])
        base = base or rate
        speedup = rate / base
        print(f"{row['devices']:>7}  {rate:>10.3e}  {1e9 / rate:>9.2f}  {speedup:>7.2f}x  {speedup / row['devices']:>9.0%}  "
              f"{row['layout']}")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.2f} (other processes on these cores slow every row)")


def main() -> None:
    """Parse the options and run as parent or child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4], help="device counts to time (default 1 2 4)")
    parser.add_argument("--pattern", default="G12", help="grid pattern (default G12)")
    parser.add_argument("--side", type=int, default=60, help="grid side L (default 60)")
    parser.add_argument("--chains", type=int, default=256, help="chains per step (default 256)")
    parser.add_argument("--steps", type=int, default=1, help="diffusion steps vmapped side by side (default 1)")
    parser.add_argument("--sweeps", type=int, default=100, help="sweeps per timed run (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per device count (default 3)")
    parser.add_argument("--rng", default="hash", choices=("hash", "threefry"), help="random-number generator (default hash)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options)))
    else:
        parent(options)


if __name__ == "__main__":
    main()
