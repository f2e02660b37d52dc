"""Benchmark `compile_model` on the published 70x70 G12 model and a 90x90 G20 model.

Run: `.venv/bin/python benchmarks/bench_compile.py [--repeat N]`. Prints the time of each pass
(best of N runs), the whole `compile_model` call (passes, parameter init, content hash) and
`save_program`, next to the targets of 2 s and 5 s for a full compile.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from dtmc.compiler import build_pipeline, compile_model
from dtmc.ir.model import ModelIR
from dtmc.program.artifact import save_program
from dtmc.spec import PATTERNS, DiffusionSpec, GraphSpec, ModelSpec

# (label, spec, target seconds for compile_model)
CASES = [
    (
        "8-step 70x70 G12 torus",
        ModelSpec(name="fashion_g12", graph=GraphSpec(side=70, pattern="G12", rules=PATTERNS["G12"]),
                  diffusion=DiffusionSpec(steps=8)),
        2.0,
    ),
    (
        "8-step 90x90 G20 torus",
        ModelSpec(name="ablation_g20", graph=GraphSpec(side=90, pattern="G20", rules=PATTERNS["G20"]),
                  diffusion=DiffusionSpec(steps=8)),
        5.0,
    ),
]


def time_passes(spec: ModelSpec, repeat: int) -> dict[str, float]:
    """Return the best run + verify time of each pass over `repeat` pipeline runs."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        ir = ModelIR(spec)
        for record in build_pipeline(spec, target="jax").apply(ir):
            seconds = record.run_seconds + record.verify_seconds
            best[record.name] = min(best.get(record.name, seconds), seconds)
    return best


def best_of(repeat: int, work) -> float:
    """Return the shortest wall-clock time of `repeat` calls of `work()`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Run every case and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        for label, spec, target in CASES:
            print(f"{label}: {spec.visible_spins} visible spins")
            for name, seconds in time_passes(spec, args.repeat).items():
                print(f"  pass {name:<12} {seconds * 1e3:8.1f} ms")

            program = compile_model(spec)
            compile_seconds = best_of(args.repeat, lambda: compile_model(spec))
            path = Path(folder) / "bench.dtmp"
            save_seconds = best_of(args.repeat, lambda: save_program(program, path))
            print(f"  compile_model     {compile_seconds * 1e3:8.1f} ms  (target < {target:.0f} s)")
            print(f"  save_program      {save_seconds * 1e3:8.1f} ms  ({path.stat().st_size / 1e6:.1f} MB)")
            print(f"  sizes: {program.sizes()}")


if __name__ == "__main__":
    main()
