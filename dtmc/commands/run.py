"""`dtmc run`: compile if needed, train, evaluate and write a run folder; resumable."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from dtmc.dist import add_device_arguments, is_writer, plan_run_layout, start_processes, use_layout, writer_path
from dtmc.errors import DtmcError

__all__ = ["register", "run_command", "summary_table"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `run` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="train a model, then generate and evaluate samples",
        description=(
            "Train every diffusion step of a model, evaluate class-clamped samples (dtmc feature FID, "
            "not Inception FID, and class accuracy) and write a run folder with log, checkpoints, "
            "image grids, plots and a denoising GIF. Ctrl-C saves a checkpoint; --resume continues it."
        ),
    )
    parser.add_argument("model", nargs="?", metavar="FILE|PROGRAM", help=".dtm model file or compiled .dtmp program (optional with --resume)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a model setting, e.g. train.epochs=5 (repeatable)")
    parser.add_argument("-o", "--output", metavar="RUN_DIR", help="run folder to create (default: runs/<model>-<UTC time>)")
    parser.add_argument("--resume", metavar="RUN_DIR|CKPT",
                        help="continue the run in RUN_DIR from its latest checkpoint, or from a checkpoint file of a run folder")
    parser.add_argument("--epochs", type=int, metavar="N", help="total epochs to train to (default: train.epochs)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_device_arguments(parser)
    parser.set_defaults(func=run_command)


def summary_table(history: list[dict]) -> str:
    """Format one row per evaluated or measured epoch: time, loss proxy, FID, accuracy, autocorrelation."""
    lines = [f"{'epoch':>5}  {'s/epoch':>8}  {'gap':>7}  {'FID*':>8}  {'accuracy':>8}  {'max autocorr':>12}"]
    for record in history:
        def number(name, form):
            value = record.get(name)
            return format(value, form) if value is not None else "-"

        autocorrelation = record.get("autocorrelation")
        worst = f"{max(autocorrelation):.4f}" if autocorrelation else "-"
        lines.append(
            f"{record['epoch']:>5}  {number('seconds', '.1f'):>8}  {number('loss_proxy', '.4f'):>7}  "
            f"{number('fid', '.2f'):>8}  {number('accuracy', '.3f'):>8}  {worst:>12}"
        )
    lines.append("gap: mean |<s>data - <s>model| over visible spins. FID*: dtmc feature FID, not Inception FID.")
    lines.append("max autocorr: largest long-lag autocorrelation of free chains over the steps (the adaptive penalty's input).")
    return "\n".join(lines)


def _positive(value: int | None, name: str) -> None:
    if value is not None and value < 1:
        raise DtmcError(f"{name}={value} is invalid; give a whole number of at least 1")


# Settings that fix a resumed checkpoint's place in the run: data order, batches per epoch, decay
# horizon and random streams. Changing them on resume would silently mix two different runs.
_FIXED_ON_RESUME = ("seed", "train.seed", "train.batch", "train.train_examples", "train.epochs", "train.decay_epochs")


def _resume_changes(saved: Any, spec: Any) -> list[str]:
    """Return `setting: old -> new` for each changed train, generate or seed setting.

    Raises:
        DtmcError: if a setting in `_FIXED_ON_RESUME` changed.
    """
    from dtmc.spec import spec_to_dict

    def flat(spec: Any) -> dict[str, Any]:
        tree = spec_to_dict(spec)
        values = {"seed": tree["seed"]}
        for section in ("train", "generate"):
            values.update({f"{section}.{name}": value for name, value in tree[section].items()})
        return values

    old, new = flat(saved), flat(spec)
    changed = [name for name in new if new[name] != old.get(name)]
    fixed = [name for name in changed if name in _FIXED_ON_RESUME]
    if fixed:
        listed = ", ".join(f"{name} {old.get(name)!r} -> {new[name]!r}" for name in fixed)
        raise DtmcError(
            f"--resume cannot change {listed}: the run's checkpoints depend on them; keep the run's settings "
            "(use --epochs N to train longer) or start a new run with -o"
        )
    return [f"{name}: {old.get(name)!r} -> {new[name]!r}" for name in changed]


def run_command(args: argparse.Namespace) -> int:
    """Run `dtmc run`; return 0, or 130 after Ctrl-C with the checkpoint saved."""
    from dtmc.program.artifact import load_program, save_program
    from dtmc.train.inputs import load_program_input
    from dtmc.train.run_folder import RunFolder, default_run_path
    from dtmc.train.session import train_program
    from dtmc.train.trainer import TrainingDiverged, TrainingInterrupted

    # A multi-host job must be joined before anything touches JAX devices.
    start_processes(args)
    _positive(args.epochs, "--epochs")
    resume_changes: list[str] = []
    if args.resume:
        if args.output:
            raise DtmcError("--resume continues in its own run folder; drop -o/--output")
        # A checkpoint file resumes its own run folder from that checkpoint, e.g. one before a corrupted latest.
        chosen = Path(args.resume) if Path(args.resume).is_file() else None
        folder = RunFolder(chosen.parent.parent if chosen is not None else Path(args.resume))
        if chosen is not None and not folder.program_path.is_file():
            raise DtmcError(f"{args.resume} is not in the checkpoints folder of a run (no {folder.program_path}); pass RUN_DIR/checkpoints/epoch_NNN.ckpt")
        if not folder.program_path.is_file():
            raise DtmcError(f"{args.resume} is not a run folder (no program.dtmp); pass a folder written by `dtmc run`")
        if args.model:
            program = load_program_input(args.model, args.overrides)
        else:
            program = load_program_input(folder.program_path, args.overrides) if args.overrides else load_program(folder.program_path)
        if args.model or args.overrides:
            resume_changes = _resume_changes(load_program(folder.program_path).spec, program.spec)
        checkpoint = chosen if chosen is not None else folder.latest_checkpoint()
        if not is_writer():
            folder = RunFolder(writer_path(folder.path))
            folder.create(program.spec)
    else:
        if not args.model:
            raise DtmcError("missing model: give a .dtm file or .dtmp program, or --resume RUN_DIR")
        program = load_program_input(args.model, args.overrides)
        folder = RunFolder(writer_path(Path(args.output) if args.output else default_run_path(program.spec.name)))
        if (folder.checkpoints / "latest").exists():
            raise DtmcError(f"run folder {folder.path} already contains a run; continue it with --resume {folder.path} or pick another -o")
        if folder.path.is_dir() and any(folder.path.iterdir()) and not folder.program_path.exists():
            raise DtmcError(
                f"invalid run folder {folder.path}: it is not empty and contains no run, so dtmc would "
                "write over files of the same name; pick a new or empty folder for -o"
            )
        folder.create(program.spec)
        save_program(program, folder.program_path)
        checkpoint = None

    # The log file gets INFO records; the console keeps the level the CLI chose.
    root = logging.getLogger()
    for console in root.handlers:
        if console.level == logging.NOTSET:
            console.setLevel(root.level)
    handler = folder.attach_log()
    if resume_changes:
        # The folder's program.dtmp keeps the original settings, so log.txt records what this resume changed.
        logger.warning("resuming with changed settings, so the result differs from one uninterrupted run: %s",
                       "; ".join(resume_changes))
    print(f"run folder: {folder.path}")
    layout = plan_run_layout(args, program.graph.n_steps, program.spec.train.batch)
    print(layout.describe())
    try:
        with use_layout(layout):
            result = train_program(program, folder, resume_from=checkpoint, epochs=args.epochs, progress=not args.no_progress)
    except TrainingInterrupted as stop:
        print(f"interrupted: saved {stop.checkpoint}; continue with `dtmc run --resume {folder.path}`", file=sys.stderr)
        return 130
    except TrainingDiverged as error:
        raise TrainingDiverged(f"{error}\nlast good checkpoint: {folder.latest_checkpoint()}") from None
    finally:
        logging.getLogger("dtmc").removeHandler(handler)
        handler.close()

    print(summary_table(result.state.history))
    clamped = sorted(folder.images.glob("epoch_*_clamped.png"))
    print(f"trained to epoch {result.state.epoch} in {result.seconds:.1f} s; run folder {folder.path}")
    if clamped:
        print(f"class-clamped samples: {clamped[-1]}")
    return 0
