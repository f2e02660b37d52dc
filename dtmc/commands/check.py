"""`dtmc check`: parse and check model files, then print a size summary or every diagnostic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dtmc.errors import render_diagnostics
from dtmc.lang.checker import check_model
from dtmc.lang.summary import summary_lines

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `check` subcommand to the `dtmc` parser."""
    parser = subparsers.add_parser(
        "check",
        help="check .dtm model files and print their sizes",
        description=(
            "Parse and check .dtm model files without running anything. For each file, print the "
            "model's size per diffusion step (nodes, visible and hidden spins, trainable parameters) "
            "and any warnings; on errors print every diagnostic and exit with status 2."
        ),
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="model file (.dtm) to check")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a setting by its field path, e.g. --set train.epochs=5 or --set graph.pattern=G16; "
             "repeatable",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics, no summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every file in `args.files`; return 0 if all are valid, 2 otherwise."""
    status = 0
    for index, path in enumerate(args.files):
        try:
            text = path.read_text(encoding="utf-8-sig")  # The utf-8-sig codec drops the byte-order mark that some editors write.
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            print(f"{path}: error: cannot read model file: {reason}", file=sys.stderr)
            status = 2
            continue

        spec, diagnostics = check_model(text, str(path), args.overrides)
        if index and not args.quiet:
            print()
        if spec is not None and not args.quiet:
            print("\n".join(summary_lines(spec)))
        if diagnostics:
            print(render_diagnostics(diagnostics, text), file=sys.stderr)
        if spec is None:
            errors = sum(d.severity == "error" for d in diagnostics)
            print(f"{path}: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)
            status = 2
    return status
