"""`dtmc bench sampler`: spin updates per second of the fast sampler path against thrml."""

from __future__ import annotations

import argparse

import jax.numpy as jnp

from dtmc.backend.benchmark import (
    lane_ops_per_update,
    load_average,
    peak_lane_ops_per_second,
    sampler_runner,
    thrml_runner,
    time_interleaved,
)
from dtmc.backend.params import Params
from dtmc.backend.random_bits import RNG_NAMES
from dtmc.backend.sampler import KERNEL_NAMES
from dtmc.compiler import compile_model
from dtmc.errors import DtmcError
from dtmc.spec import PATTERNS, DataSpec, GraphSpec, LabelSpec, ModelSpec

__all__ = ["register", "run_sampler"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `bench` subcommand and its `sampler` benchmark to the `dtmc` parser."""
    parser = subparsers.add_parser("bench", help="measure backend speed", description="Measure backend speed.")
    benchmarks = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)

    sampler = benchmarks.add_parser(
        "sampler",
        help="spin updates per second of the fast sampler against thrml",
        description=(
            "Compile the default model on the given grid, then time the dtmc sampler and thrml on the "
            "same graph, parameters and clamps in this process. After one untimed compiling run each, "
            "timed runs alternate between the two samplers. "
            "Every grid node is free and every input node clamped, as in training's negative phase. "
            "Prints updates per second, their ratio and an estimate of the distance to the CPU's peak."
        ),
    )
    sampler.add_argument("--pattern", default="G12", choices=sorted(PATTERNS), help="grid pattern (default G12)")
    sampler.add_argument("--side", type=int, default=60, help="grid side L in cells (default 60)")
    sampler.add_argument("--open", action="store_true", help="use an open grid instead of a torus")
    sampler.add_argument("--chains", type=int, default=256, help="parallel chains (default 256)")
    sampler.add_argument("--sweeps", type=int, default=200, help="sweeps per timed dtmc run (default 200)")
    sampler.add_argument("--thrml-sweeps", type=int, default=20,
                         help="sweeps per timed thrml run (default 20; thrml is slower)")
    sampler.add_argument("--repeat", type=int, default=3, help="timed runs of each sampler (default 3)")
    sampler.add_argument("--rng", default="hash", choices=RNG_NAMES, help="dtmc random-number generator (default hash)")
    sampler.add_argument("--kernel", default="auto", choices=KERNEL_NAMES, help="dtmc kernel (default auto)")
    sampler.add_argument("--no-thrml", action="store_true", help="time only the dtmc sampler")
    sampler.set_defaults(func=run_sampler)


def _visible_layout_for(side: int) -> tuple[DataSpec, LabelSpec]:
    """Pick the largest MNIST-like image (28, 14 or 7 pixels a side) whose spins fit one colour.

    Raises:
        DtmcError: if even a 7x7 image with one label copy does not fit.
    """
    free_cells = side * side // 2
    for image_side, repeat in ((28, 10), (14, 4), (7, 1)):
        if image_side * image_side + 10 * repeat <= free_cells:
            downsample = None if image_side == 28 else image_side
            return DataSpec(downsample=downsample), LabelSpec(repeat=repeat)
    raise DtmcError(f"--side={side} is too small for a benchmark model; use --side 12 or more")


def run_sampler(args: argparse.Namespace) -> int:
    """Run the sampler benchmark and print its table; return the exit status."""
    for name in ("side", "chains", "sweeps", "thrml_sweeps", "repeat"):
        value = getattr(args, name)
        if value < 1:
            raise DtmcError(f"--{name.replace('_', '-')}={value} is invalid; it must be at least 1")

    data, labels = _visible_layout_for(args.side)
    spec = ModelSpec(
        name="bench",
        data=data,
        labels=labels,
        graph=GraphSpec(side=args.side, torus=not args.open, pattern=args.pattern, rules=PATTERNS[args.pattern]),
    )
    program = compile_model(spec)
    graph = program.graph
    params = Params(jnp.asarray(program.init_weights[0]), jnp.asarray(program.init_biases[0]))
    print(f"graph: {args.pattern} {args.side}x{args.side} {'open' if args.open else 'torus'}, "
          f"{graph.n_grid} grid nodes, {graph.n_visible} inputs, {graph.edges.shape[0]} edges, "
          f"{args.chains} chains")

    runners = [sampler_runner(graph, params, chains=args.chains, sweeps=args.sweeps, kernel=args.kernel, rng=args.rng)]
    if not args.no_thrml:
        runners.append(thrml_runner(graph, params, chains=args.chains, sweeps=args.thrml_sweeps))
    timings = time_interleaved(runners, args.repeat)

    for timing in timings:
        runs = ", ".join(f"{s:.3f}" for s in timing.seconds)
        print(f"{timing.name:>20}: best {timing.best_rate:.3e} updates/s, median {timing.median_rate:.3e} "
              f"({1e9 / timing.best_rate:.2f} ns/update; runs of {timing.updates:.2e} updates took {runs} s)")
    if len(timings) == 2:
        print(f"{'ratio':>20}: best {timings[0].best_rate / timings[1].best_rate:.2f}x, "
              f"median {timings[0].median_rate / timings[1].median_rate:.2f}x")

    ops = lane_ops_per_update(graph)
    peak = peak_lane_ops_per_second()
    if peak is not None:
        peak_rate, peak_basis = peak
        limit = peak_rate / ops
        print(f"{'arithmetic limit':>20}: about {limit:.2e} updates/s ({ops} lane ops per update, estimated; "
              f"peak {peak_basis}); best dtmc run is at {timings[0].best_rate / limit:.0%} of it")
    load = load_average()
    if load is not None:
        print(f"{'load average':>20}: {load:.2f} (other processes share these cores; rates vary between runs)")
    return 0
