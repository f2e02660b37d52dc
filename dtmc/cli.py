"""The `dtmc` command line: argument parsing, logging set-up and error reporting.

Each subcommand lives in `dtmc/commands/<name>.py` and exposes `register(subparsers)`, which adds
its parser and sets `func(args) -> int` as the handler.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import warnings

from dtmc import __version__
from dtmc.errors import DtmcError

__all__ = ["main", "build_parser"]

# Subcommands in the order `dtmc --help` lists them.
COMMANDS = ("check", "compile", "run", "sample", "schedule", "report", "data", "bench")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="dtmc",
        description=(
            "Compile, train, sample and place Denoising Thermodynamic Models (DTMs) "
            "described in .dtm model files."
        ),
    )
    parser.add_argument("--version", action="version", version=f"dtmc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name in COMMANDS:
        try:
            module = importlib.import_module(f"dtmc.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"dtmc.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 user error, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2

    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    try:
        # Model and pass warnings are user diagnostics: print their text, not Python's file:line form.
        with warnings.catch_warnings():
            warnings.showwarning = _print_warning
            return int(args.func(args) or 0)
    except DtmcError as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dtmc: interrupted", file=sys.stderr)
        return 130


def _print_warning(message: Warning | str, *_: object, **__: object) -> None:
    """Print a warning's text, with a `warning:` prefix unless it is a rendered diagnostic."""
    text = str(message)
    if "warning:" not in text.split("\n", 1)[0]:
        text = f"warning: {text}"
    print(text, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
