"""Benchmark the .dtm front end: parse and check time of the largest shipped example.

Run: `.venv/bin/python benchmarks/bench_frontend.py [--repeat N] [--file PATH]`. Prints the
one-off cost of building the LALR parser from the grammar, then the median and minimum of N
parse+check runs (parser already built), and the parse alone, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dtmc.lang import check_model, parse_model
from dtmc.lang.parser import grammar
from dtmc.resources import examples_dir


def _time(function, repeat: int) -> list[float]:
    """Return the wall time of each of `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main() -> None:
    """Parse the command line, run the timings and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed runs per measurement (default 200)")
    parser.add_argument("--file", type=Path, help="model file to time (default: the largest example)")
    args = parser.parse_args()

    path = args.file or max(examples_dir().glob("*.dtm"), key=lambda p: p.stat().st_size)
    text = path.read_text(encoding="utf-8")

    start = time.perf_counter()
    grammar()
    build_ms = (time.perf_counter() - start) * 1e3

    spec, diagnostics = check_model(text, str(path))
    if spec is None:
        raise SystemExit(f"{path} does not check cleanly: {[d.message for d in diagnostics]}")

    checks = _time(lambda: check_model(text, str(path)), args.repeat)
    parses = _time(lambda: parse_model(text, str(path)), args.repeat)

    print(f"file: {path} ({len(text)} bytes, {len(text.splitlines())} lines)")
    print(f"parser build (once per process): {build_ms:.1f} ms")
    print(f"parse + check: median {statistics.median(checks):.2f} ms, min {min(checks):.2f} ms ({args.repeat} runs)")
    print(f"parse only:    median {statistics.median(parses):.2f} ms, min {min(parses):.2f} ms ({args.repeat} runs)")


if __name__ == "__main__":
    main()
