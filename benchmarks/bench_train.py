"""Seconds per training epoch of the published Fashion-MNIST DTM, and a full run's projected time.

Times the jitted training update of `examples/fashion_acp.dtm` (70x70 torus, G12, 8 steps) at a
reduced batch, after one untimed batch that compiles it. An epoch at the full batch and a full run
are projected from the measured seconds per spin update; the projection assumes cost grows
linearly with chains, which is an estimate (cost per update grows somewhat with chains on CPU).

    .venv/bin/python benchmarks/bench_train.py [--batch 16] [--batches 2] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def _load_bits(spec):
    """Encode the model's training set, or the embedded MNIST subset if the dataset is not cached."""
    from dtmc.errors import DataError
    from dtmc.train.evaluation import encode_split

    try:
        return encode_split(spec, "train")[0], spec.data.source
    except DataError as error:
        print(f"{spec.data.source} not available ({error}); timing on mnist_small instead", file=sys.stderr)
        import dataclasses

        fallback = dataclasses.replace(spec, data=dataclasses.replace(spec.data, source="mnist_small"))
        return encode_split(fallback, "train")[0], "mnist_small"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "examples" / "fashion_acp.dtm"), help="model file to time")
    parser.add_argument("--batch", type=int, default=16, help="chains per batch to time (default 16)")
    parser.add_argument("--batches", type=int, default=2, help="timed batches after the compiling one (default 2)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    from dtmc.compiler import compile_model
    from dtmc.lang import load_model
    from dtmc.train.trainer import Trainer

    full = load_model(args.model, args.overrides)
    reduced = load_model(args.model, [*args.overrides, f"train.batch={args.batch}"])
    program = compile_model(reduced)
    bits, source = _load_bits(reduced)
    train = reduced.train

    started = time.perf_counter()
    trainer = Trainer(program, bits)
    state = trainer.initial_state()
    timings: list[float] = []
    stamp = [time.perf_counter()]

    def on_batch(batch: int, gap: float) -> None:
        now = time.perf_counter()
        timings.append(now - stamp[0])
        stamp[0] = now
        if batch == args.batches + 1:
            raise KeyboardInterrupt

    from dtmc.train.trainer import TrainingInterrupted

    try:
        trainer.train_epoch(state, on_batch)
    except TrainingInterrupted:
        pass
    compile_seconds = timings[0]
    per_batch = float(np.median(timings[1:]))

    graph = program.graph
    sweeps = train.warmup + train.samples * train.every
    free = int(np.count_nonzero(program.schedule["train_positive"]) + np.count_nonzero(program.schedule["train_negative"]))
    updates = graph.n_steps * args.batch * sweeps * free
    seconds_per_update = per_batch / updates

    n_examples = bits.shape[0]
    full_batch = min(full.train.batch, n_examples)
    full_epoch_updates = graph.n_steps * sweeps * free * full_batch * (n_examples // full_batch)
    epoch_seconds = full_epoch_updates * seconds_per_update
    reduced_epoch = per_batch * (n_examples // args.batch)

    print(f"model {reduced.name}: {graph.side}x{graph.side}, {graph.n_steps} steps, {n_examples} examples of {source}")
    print(f"cpu cores visible: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f} (other processes share the CPU)")
    print(f"first batch (compile + run): {compile_seconds:.1f} s; setup {stamp[0] - started:.1f} s in all")
    print(f"batch of {args.batch}: {per_batch:.2f} s, {updates:.3e} spin updates, {updates / per_batch:.3e} updates/s")
    print(f"epoch at batch {args.batch}: {reduced_epoch:.0f} s ({n_examples // args.batch} batches)")
    print(f"epoch at batch {full_batch} (projected): {epoch_seconds:.0f} s = {epoch_seconds / 3600:.2f} h")
    print(f"full run of {full.train.epochs} epochs (projected, training only): {full.train.epochs * epoch_seconds / 86400:.1f} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
