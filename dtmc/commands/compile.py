"""`dtmc compile`: compile a `.dtm` model file to a `.dtmp` program artifact."""

from __future__ import annotations

import argparse
from pathlib import Path

from dtmc.errors import DtmcError
from dtmc.passes import ALL_PASSES

__all__ = ["register", "run_compile"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `compile` subcommand to the command-line parser."""
    parser = subparsers.add_parser(
        "compile",
        help="compile a .dtm model file to a program artifact",
        description=(
            "Compile a .dtm model file through the pass pipeline (topology, placement, coupling, "
            "colouring, schedule, lower) into a reproducible .dtmp program."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="model file (.dtm)")
    parser.add_argument("-o", "--output", metavar="OUT", help="program file to write (default: FILE with suffix .dtmp)")
    parser.add_argument("--target", metavar="T", help="target name or path (default: the model's `target`)")
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override a model setting, e.g. --set train.epochs=5 (repeatable)",
    )
    parser.add_argument(
        "--print-after",
        metavar="PASS",
        action="append",
        default=[],
        help=f"print an IR summary after PASS, or after every pass with '{ALL_PASSES}' (repeatable)",
    )
    parser.add_argument("--timings", action="store_true", help="print the run and verify time of each pass")
    parser.add_argument(
        "--emit",
        choices=("graphml", "dot", "svg"),
        action="append",
        default=[],
        help="also write one step's graph as GraphML, DOT or an SVG picture of the grid, next to OUT (repeatable)",
    )
    parser.add_argument(
        "--step", metavar="K", type=int, default=0, help="step written by --emit, 0 to steps-1 (default: 0)"
    )
    parser.set_defaults(func=run_compile)


def run_compile(args: argparse.Namespace) -> int:
    """Compile `args.file`, write the program and the requested exports; return the exit status."""
    return _compile(args)


def _compile(args: argparse.Namespace) -> int:
    from dtmc.compiler import compile_ir, program_from_ir
    from dtmc.lang import load_model
    from dtmc.program.artifact import PROGRAM_SUFFIX, save_program
    from dtmc.program.exports import export_step

    if args.step != 0 and not args.emit:
        raise DtmcError(f"--step {args.step} has no effect without --emit; add e.g. --emit svg")
    if args.output == "" or args.target == "":
        raise DtmcError("-o and --target need a value; leave the option out to use the default")

    source = Path(args.file)
    spec = load_model(source, args.overrides)
    if args.emit and not 0 <= args.step < spec.diffusion.steps:
        raise DtmcError(
            f"--step {args.step} is out of range: the model has {spec.diffusion.steps} steps, numbered 0 to "
            f"{spec.diffusion.steps - 1}"
        )

    ir = compile_ir(spec, target=args.target, print_after=args.print_after, timings=args.timings, report=print)
    program = program_from_ir(ir)
    output = Path(args.output) if args.output else source.with_suffix(PROGRAM_SUFFIX)
    save_program(program, output)

    sizes = program.sizes()
    print(
        f"wrote {output}: {sizes['steps']} steps, {sizes['nodes']} nodes and {sizes['base_edges']} base edges "
        f"per step, {sizes['colours']} colours, hash {program.manifest['content_hash'][:12]}"
    )
    for fmt in dict.fromkeys(args.emit):
        path = export_step(ir, args.step, fmt, output.with_suffix(f".step{args.step}.{fmt}"))
        print(f"wrote {path}")
    return 0
