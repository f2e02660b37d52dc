"""`dtmc report`: sizes, sampling cost and metric history of a program or a run.

Each section is a function `(context) -> list[str]` in `SECTIONS`; another section (for example
a target's energy and latency) is added by appending to that list.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from dtmc.errors import DtmcError

__all__ = ["register", "report_command", "ReportContext", "SECTIONS", "sampling_cost"]


@dataclass(frozen=True)
class ReportContext:
    """Input of every report section: the program, and the run folder when a run was given."""

    program: Any
    run_dir: Path | None
    args: argparse.Namespace


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="print sizes, sampling cost and metric history",
        description="Report a compiled program or a run folder: graph sizes, spin updates per training epoch and per sample, and FID/accuracy history of a run.",
    )
    parser.add_argument("source", metavar="RUN|PROGRAM", help="run folder written by `dtmc run`, or a .dtmp program or .dtm model")
    parser.add_argument("--train-examples", type=int, metavar="N", help="training set size for the cost per epoch (default: the dataset's)")
    parser.add_argument("--target", metavar="T", help="chip target for the chip section (default: the program's target when it is a chip)")
    parser.set_defaults(func=report_command)


def section_sizes(context: ReportContext) -> list[str]:
    """Nodes, edges and parameters of one step and of the whole model."""
    program = context.program
    graph = program.graph
    per_step = graph.edges.shape[0] + graph.n_grid
    return [
        "sizes (per step unless noted)",
        f"  steps                  {graph.n_steps}",
        f"  grid                   {graph.side}x{graph.side} {'torus' if graph.torus else 'open'}, {graph.n_colours} colours",
        f"  nodes                  {graph.n_nodes} ({graph.n_grid} grid + {graph.n_visible} inputs)",
        f"  visible spins          {graph.n_visible} ({program.spec.data.image_spins} image + {program.spec.label_spins} label)",
        f"  base edges             {graph.edges.shape[0]} trainable, plus {graph.n_visible} fixed input couplings",
        f"  parameters             {per_step} per step ({graph.edges.shape[0]} weights + {graph.n_grid} biases), {per_step * graph.n_steps} total",
    ]


def sampling_cost(program: Any, n_examples: int) -> dict[str, float]:
    """Count spin updates (one Gibbs update of one free spin) of training and generation.

    Args:
        program: the compiled program.
        n_examples: training examples per epoch.

    Returns:
        `per_batch` and `per_epoch` for training (both phases, every step), `per_sample` for one
        generated image with clamped labels, and `per_epoch_chains` (chains run per epoch).
    """
    spec, graph = program.spec, program.graph
    train = spec.train
    sweeps = train.warmup + train.samples * train.every
    positive = int(np.count_nonzero(program.schedule["train_positive"]))
    negative = int(np.count_nonzero(program.schedule["train_negative"]))
    batch = min(train.batch, n_examples)
    batches = max(1, n_examples // batch)
    per_batch = graph.n_steps * batch * sweeps * (positive + negative)
    clamped = int(np.count_nonzero(program.schedule["generate_clamped"]))
    return {
        "per_batch": float(per_batch),
        "per_epoch": float(per_batch * batches),
        "per_epoch_chains": float(2 * graph.n_steps * batch * batches),
        "per_sample": float(graph.n_steps * spec.generate.sweeps * clamped),
    }


def _training_examples(context: ReportContext) -> int | None:
    if context.args.train_examples:
        return context.args.train_examples
    spec = context.program.spec
    if spec.train.train_examples:
        return spec.train.train_examples
    try:
        from dtmc.data import load_dataset

        return int(load_dataset(spec.data.source, "train", spec.data.classes).images.shape[0])
    except DtmcError:
        return None


def section_cost(context: ReportContext) -> list[str]:
    """Spin updates per training batch, epoch and generated sample."""
    n_examples = _training_examples(context)
    if n_examples is None:
        return ["sampling cost", "  training set not available; pass --train-examples N"]
    cost = sampling_cost(context.program, n_examples)
    train = context.program.spec.train
    return [
        f"sampling cost (spin updates; {train.warmup} warmup + {train.samples} x {train.every} sweeps per phase)",
        f"  per training batch     {cost['per_batch']:.3e}",
        f"  per training epoch     {cost['per_epoch']:.3e} ({n_examples} examples, batch {min(train.batch, n_examples)})",
        f"  per generated sample   {cost['per_sample']:.3e} ({context.program.spec.generate.sweeps} sweeps per step, labels clamped)",
    ]


def section_history(context: ReportContext) -> list[str]:
    """FID, accuracy and autocorrelation of every evaluated epoch of a run."""
    if context.run_dir is None:
        return []
    path = context.run_dir / "metrics.jsonl"
    if not path.is_file():
        return ["history", "  no metrics.jsonl yet"]
    from dtmc.commands.run import summary_table

    records = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("epoch"), int):
            raise DtmcError(
                f"{path} line {number} is not a metrics record (a JSON object with an integer 'epoch'); "
                f"delete the line, or run `dtmc run --resume {context.run_dir}` to rewrite the file from the latest checkpoint"
            )
        records.append(record)
    return ["history", *("  " + line for line in summary_table(records).splitlines())]


def section_chip(context: ReportContext) -> list[str]:
    """Placement, register formats, time and energy per sample on a chip target, if one applies."""
    from dtmc.chip import report_section

    weights = biases = None
    if context.run_dir is not None:
        from dtmc.errors import CheckpointError
        from dtmc.train.checkpoint import load_parameters
        from dtmc.train.run_folder import RunFolder

        try:
            weights, biases = load_parameters(RunFolder(context.run_dir).latest_checkpoint(), context.program.graph)
        except CheckpointError:
            weights = biases = None
    return report_section(context.program, getattr(context.args, "target", None), weights=weights, biases=biases)


SECTIONS: list[tuple[str, Callable[[ReportContext], list[str]]]] = [
    ("sizes", section_sizes),
    ("cost", section_cost),
    ("history", section_history),
    ("chip", section_chip),
]


def report_command(args: argparse.Namespace) -> int:
    """Run `dtmc report`; print every section."""
    from dtmc.program.artifact import load_program
    from dtmc.train.inputs import load_program_input

    source = Path(args.source)
    if source.is_dir():
        program_path = source / "program.dtmp"
        if not program_path.is_file():
            raise DtmcError(f"{source} is not a run folder (no program.dtmp); pass a folder written by `dtmc run` or a program file")
        context = ReportContext(load_program(program_path), source, args)
    else:
        context = ReportContext(load_program_input(source), None, args)

    print(f"model {context.program.spec.name}")
    for _, section in SECTIONS:
        lines = section(context)
        if lines:
            print("\n".join(lines))
    return 0
