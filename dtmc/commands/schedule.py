"""`dtmc schedule`: place a program on a chip target and emit its chip program as JSON or text."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from dtmc.errors import DtmcError

__all__ = ["register", "run_schedule", "load_program_or_model"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `schedule` subcommand to the command-line parser."""
    parser = subparsers.add_parser(
        "schedule",
        help="emit the chip program (cell map, registers, phases, readout) for a chip target",
        description=(
            "Place a compiled program on a chip target, quantise its parameters to the chip's "
            "register formats and write the chip program: cell map, coupling and bias registers "
            "per cell, phase sequence per step, readout and estimated cost."
        ),
    )
    parser.add_argument("program", metavar="PROGRAM", help="compiled program (.dtmp), model file (.dtm) or run folder of `dtmc run`")
    parser.add_argument(
        "--target",
        metavar="T",
        help="chip target name (e.g. chip70_g12) or path to a target YAML file (default: the program's target)",
    )
    parser.add_argument("--format", choices=("json", "text"), default="text", help="output format (default: text)")
    parser.add_argument("-o", "--output", metavar="OUT", help="file to write (default: standard output)")
    parser.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="checkpoint of trained parameters (default: a run folder's latest checkpoint, else the program's initial parameters)",
    )
    parser.add_argument("--exact", action="store_true", help="keep exact float registers instead of quantising")
    parser.add_argument("--offset", metavar="X,Y", help="chip cell of model cell (0, 0) (default: first offset clear of dead cells)")
    parser.set_defaults(func=run_schedule)


def load_program_or_model(path: str):
    """Load a `.dtmp` program, or compile a `.dtm` model file in memory.

    Raises:
        DtmcError: for a missing, invalid or corrupted file.
    """
    if Path(path).suffix == ".dtm":
        from dtmc.compiler import compile_model
        from dtmc.lang import load_model

        return compile_model(load_model(Path(path), []))

    from dtmc.program.artifact import load_program

    return load_program(path)


def _parse_offset(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        x, y = (int(part) for part in text.split(","))
    except ValueError:
        raise DtmcError(f"--offset '{text}' is invalid; write two integers separated by a comma, such as 3,5") from None
    return x, y


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)

        # mkstemp creates the file readable only by its owner; give it the mode open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_schedule(args: argparse.Namespace) -> int:
    """Build and write the chip program; return the exit status."""
    from dtmc.chip.build import build_for_chip, load_chip_target
    from dtmc.chip.schedule import chip_program, format_chip_program
    from dtmc.chip.target import load_target

    checkpoint = args.checkpoint
    if Path(args.program).is_dir():
        from dtmc.train.run_folder import RunFolder

        folder = RunFolder(Path(args.program))
        if not folder.program_path.is_file():
            raise DtmcError(
                f"{args.program} is not a run folder (no program.dtmp); pass a folder written by `dtmc run`, "
                "a .dtmp program or a .dtm model file"
            )
        program = load_program_or_model(str(folder.program_path))
        checkpoint = checkpoint or folder.latest_checkpoint()
    else:
        program = load_program_or_model(args.program)
    name = args.target or program.manifest.get("target") or "jax"
    if args.target is None and load_target(name).backend != "emulator":
        raise DtmcError(
            f"program '{program.spec.name}' was compiled for target '{name}', which is not a chip; "
            "pass --target with a chip target such as chip70_g12"
        )
    target = load_chip_target(name)

    weights = biases = None
    if checkpoint:
        from dtmc.train.checkpoint import load_parameters

        weights, biases = load_parameters(checkpoint, program.graph)

    build = build_for_chip(program, target, weights=weights, biases=biases, quantised=not args.exact, offset=_parse_offset(args.offset))
    document = chip_program(build)
    text = json.dumps(document, indent=1) + "\n" if args.format == "json" else format_chip_program(document)

    if args.output:
        try:
            if Path(args.output).is_dir():
                raise IsADirectoryError(21, "Is a directory", args.output)
            _write_atomic(Path(args.output), text)
        except OSError as error:
            raise DtmcError(
                f"cannot write {args.output}: {error.strerror} ({error.filename}); "
                "give -o a file path in a writable folder, not a folder or a path under a file"
            ) from None
        print(f"wrote {args.output}: chip program for '{build.name}' on {target.name} ({args.format})")
    else:
        print(text, end="")
    return 0
