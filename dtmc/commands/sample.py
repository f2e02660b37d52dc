"""`dtmc sample`: draw images from a trained run and save them as a grid."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dtmc.errors import DtmcError

__all__ = ["register", "sample_command", "parse_steps_from", "MAX_IMAGES"]

# Images per class one call draws; the whole grid and every chain's state stay in memory.
MAX_IMAGES = 4096


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sample` subcommand."""
    parser = subparsers.add_parser(
        "sample",
        help="generate images from a trained run",
        description=(
            "Generate images from a run folder written by `dtmc run`, from its latest checkpoint or "
            "a given one. Steps train independently, so --steps-from can take single steps from "
            "checkpoints of other runs with the same graph and noise schedule."
        ),
    )
    parser.add_argument("run", metavar="RUN", help="run folder written by `dtmc run`")
    parser.add_argument("--class", dest="class_id", type=int, metavar="C", help="dataset class to draw (clamped labels only)")
    parser.add_argument("--n", type=int, default=16, metavar="N", help="images per class, or in total with free labels (default 16)")
    parser.add_argument("--labels", choices=("free", "clamped"), help="sample labels freely or clamp them (default: the model's)")
    parser.add_argument("-o", "--output", metavar="PNG", help="image grid to write (default: RUN/images/sample_<labels>[_class<C>][_<target>]_seed<S>.png)")
    parser.add_argument("--checkpoint", metavar="CKPT", help="checkpoint file (default: the run's latest)")
    parser.add_argument("--steps-from", action="append", default=[], metavar="K=CKPT",
                        help="take step K (1 = the last denoising step, nearest the data) from another checkpoint; repeatable")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generation (default 0)")
    parser.add_argument("--target", metavar="T", help="chip target to generate on, emulated bit-true (default: the jax backend)")
    parser.set_defaults(func=sample_command)


def parse_steps_from(items: list[str]) -> dict[int, Path]:
    """Parse `K=CKPT` items into 0-based step index -> checkpoint path.

    Raises:
        DtmcError: for an item without `=` or a step that is not a whole number of at least 1.
    """
    steps: dict[int, Path] = {}
    for item in items:
        step, separator, path = item.partition("=")
        if not separator or not step.strip().isdigit() or int(step) < 1:
            raise DtmcError(f"--steps-from '{item}' is invalid; write STEP=CHECKPOINT with STEP from 1, e.g. 2=runs/a/checkpoints/epoch_010.ckpt")
        steps[int(step) - 1] = Path(path)
    return steps


def _default_name(args: argparse.Namespace, labels: str) -> str:
    """Name the image grid after its settings, so samples of another class or target do not overwrite it."""
    parts = [f"sample_{labels}"]
    if args.class_id is not None:
        parts.append(f"class{args.class_id}")
    if args.target is not None:
        parts.append(Path(args.target).stem)
    parts.append(f"seed{args.seed}")
    return "_".join(parts) + ".png"


def sample_command(args: argparse.Namespace) -> int:
    """Run `dtmc sample`; print the written path."""
    import jax

    from dtmc.chip import load_target
    from dtmc.eval import save_image_grid
    from dtmc.program.artifact import load_program
    from dtmc.train.checkpoint import load_parameters
    from dtmc.train.evaluation import decode_samples
    from dtmc.train.generation import Generator
    from dtmc.train.run_folder import RunFolder

    folder = RunFolder(Path(args.run))
    if not folder.program_path.is_file():
        raise DtmcError(f"{args.run} is not a run folder (no program.dtmp); pass a folder written by `dtmc run`")
    if not 1 <= args.n <= MAX_IMAGES:
        raise DtmcError(
            f"--n {args.n} is invalid; give 1 to {MAX_IMAGES} images per class, and run the command "
            "again with another --seed for more"
        )
    program = load_program(folder.program_path)
    spec = program.spec
    checkpoint = Path(args.checkpoint) if args.checkpoint else folder.latest_checkpoint()
    weights, biases = load_parameters(checkpoint, program.graph, parse_steps_from(args.steps_from))

    labels = args.labels or spec.generate.labels
    if labels == "clamped" and spec.labels.kind == "none":
        raise DtmcError("this model has no label spins, so labels cannot be clamped; use --labels free")
    if args.class_id is not None and labels == "free":
        raise DtmcError("--class needs clamped labels; drop --labels free")
    if args.class_id is not None and args.class_id not in spec.data.classes:
        raise DtmcError(f"--class {args.class_id} is not one of the model's classes {list(spec.data.classes)}")

    on_chip = args.target is not None and load_target(args.target).backend == "emulator"
    if on_chip:
        from dtmc.chip import ChipGenerator

        generator = ChipGenerator(program, args.target)
    else:
        generator = Generator(program)
    key = jax.random.key(args.seed)
    if labels == "free":
        generated = generator.generate(weights, biases, key=key, n=args.n)
        images = decode_samples(spec, generated.bits)
        columns = min(8, args.n)
        rows = -(-args.n // columns)
        padded = np.zeros((rows * columns, *images.shape[1:]), dtype=np.float32)
        padded[: args.n] = images
        grid, row_labels = padded.reshape(rows, columns, *images.shape[1:]), None
    else:
        class_ids = [args.class_id] if args.class_id is not None else list(spec.data.classes)
        indices = np.repeat([spec.data.classes.index(c) for c in class_ids], args.n)
        generated = generator.generate(weights, biases, key=key, classes=indices)
        images = decode_samples(spec, generated.bits)
        grid, row_labels = images.reshape(len(class_ids), args.n, *images.shape[1:]), [str(c) for c in class_ids]

    output = Path(args.output) if args.output else folder.images / _default_name(args, labels)
    save_image_grid(output, grid, row_labels=row_labels)
    print(output)
    if on_chip:
        print(generator.summary(generated.bits.shape[0]))
    return 0
