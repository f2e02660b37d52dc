"""Quality against register bit width: generate on the emulated chip at several precisions and score.

Run: `.venv/bin/python benchmarks/chip_quality.py RUN [--bits 4 6 8] [--per-class 64] [--target chip70_g12]`
where RUN is a run folder written by `dtmc run` (its `program.dtmp` and latest checkpoint), or
`--program FILE.dtmp --checkpoint FILE.ckpt`.

For every bit width the weight and bias registers of the target get that many bits (ranges and
`max` scaling as in the target), and the exact row keeps float registers on the same emulator.
Each row generates `per_class` class-clamped samples per class from the same seed and reports the
feature classifier's accuracy on them and dtmc's feature FID. The feature FID comes from dtmc's own
small classifier, not from Inception, so its values are not comparable with published Inception
FIDs. Both sides of each FID use the same number of images.

`--coupling-format 8,16` keeps the fixed input couplings in their own 8-bit format with range 16
in every row, so only the trained weights and biases lose precision. The range must be a power of
two times the weight LSB (range / 2**(bits-1)) for the emulator's integer field.

A torus model fits only a torus chip of its own side, so when the target is larger the script uses
a chip of the model's side with the target's wiring, formats, random source and energy constants.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from dtmc.chip.build import build_for_chip, load_chip_target
from dtmc.chip.sampling import generate_on_chip
from dtmc.chip.target import ChipTarget, FixedPoint
from dtmc.errors import DtmcError


def _load(args: argparse.Namespace):
    from dtmc.program.artifact import load_program
    from dtmc.train.checkpoint import read_checkpoint
    from dtmc.train.run_folder import RunFolder

    if args.run:
        folder = RunFolder(Path(args.run))
        program_path, checkpoint = folder.program_path, folder.latest_checkpoint()
    else:
        program_path, checkpoint = Path(args.program), Path(args.checkpoint)
    program = load_program(program_path)
    header, arrays = read_checkpoint(checkpoint)
    return program, arrays["weights"], arrays["biases"], f"{checkpoint} (epoch {header.get('epoch')})"


def _fitting_chip(program, target: ChipTarget) -> ChipTarget:
    graph = program.graph
    if graph.torus and target.side != graph.side:
        return dataclasses.replace(target, name=f"{target.name}@{graph.side}", side=graph.side, dead_cells=())
    return target


def _score(program, bits: np.ndarray, classes: np.ndarray) -> tuple[float | None, float | None]:
    from dtmc.data import feature_dataset
    from dtmc.eval import class_accuracy, fid_score, reference_form_for
    from dtmc.train.evaluation import decode_samples

    spec = program.spec
    dataset = feature_dataset(spec.data.source)
    images = decode_samples(spec, bits)
    class_ids = np.asarray(spec.data.classes)[classes]
    return float(class_accuracy(images, class_ids, dataset=dataset)), float(
        fid_score(images, dataset=dataset, classes=spec.data.classes, reference=reference_form_for(spec.data))
    )


def main() -> None:
    """Parse arguments, run every precision and print a Markdown table (and write JSON with -o)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", help="run folder written by `dtmc run`")
    parser.add_argument("--program", help="program file, with --checkpoint, instead of a run folder")
    parser.add_argument("--checkpoint", help="checkpoint file of trained parameters")
    parser.add_argument("--target", default="chip70_g12", help="chip target name or path (default: chip70_g12)")
    parser.add_argument("--bits", type=int, nargs="+", default=[4, 6, 8], help="register bit widths (default: 4 6 8)")
    parser.add_argument("--per-class", type=int, default=64, help="samples per class (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the chip's random source (default: 0)")
    parser.add_argument("--scale", choices=("max", "percentile", "fixed"), help="override the target's scaling mode")
    parser.add_argument("--percentile", type=float, help="override the target's scaling percentile (with --scale percentile)")
    parser.add_argument(
        "--coupling-format",
        metavar="BITS,RANGE",
        help="keep the input couplings in this fixed format for every row (default: the target's)",
    )
    parser.add_argument("-o", "--output", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    if not args.run and not (args.program and args.checkpoint):
        parser.error("pass a run folder, or --program and --checkpoint")

    try:
        program, weights, biases, source = _load(args)
        base = _fitting_chip(program, load_chip_target(args.target))
    except DtmcError as error:
        parser.exit(2, f"{error}\n")
    if args.scale:
        base = dataclasses.replace(base, scale=args.scale)
    if args.percentile is not None:
        base = dataclasses.replace(base, scale_percentile=args.percentile)
    if args.coupling_format:
        bits, _, width = args.coupling_format.partition(",")
        base = dataclasses.replace(base, couplings=FixedPoint(int(bits), float(width)))

    n_classes = len(program.spec.data.classes)
    classes = np.repeat(np.arange(n_classes), args.per_class)
    rows = []
    for bits in [*args.bits, None]:
        target = base
        if bits is not None:
            target = dataclasses.replace(base, weights=FixedPoint(bits, base.weights.range), biases=FixedPoint(bits, base.biases.range))
        start = time.perf_counter()
        samples, counter = generate_on_chip(program, target, weights, biases, seed=args.seed, classes=classes, quantised=bits is not None)
        seconds = time.perf_counter() - start
        accuracy, fid = _score(program, samples, classes)

        stats = build_for_chip(program, target, weights=weights, biases=biases, quantised=bits is not None).params.stats
        rows.append(
            {
                "bits": bits or "exact",
                "accuracy": accuracy,
                "feature_fid": fid,
                "clipped": int(sum(s.clipped for s in stats)),
                "max_error": float(max((s.max_error for s in stats), default=0.0)),
                "nj_per_sample": counter.joules(target)["total"] / classes.shape[0] * 1e9,
                "emulator_seconds": seconds,
            }
        )

    couplings = f"input couplings {base.couplings.bits}-bit +-{base.couplings.range:g}" if base.couplings else "input couplings in the weight format"
    scaling = f"{base.scale} scaling" + (f" at the {base.scale_percentile:g}th percentile" if base.scale == "percentile" else "")
    print(f"# chip quality: {program.spec.name} on {base.name} ({couplings}, {scaling}), {source}")
    print(f"{classes.shape[0]} class-clamped samples ({args.per_class} per class), seed {args.seed}; feature FID is dtmc's, not Inception")
    print("| weights/biases | accuracy | feature FID | clipped | max error | nJ/sample | emulator s |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        bits = f"{row['bits']}-bit" if row["bits"] != "exact" else "exact (float)"
        print(
            f"| {bits} | {row['accuracy']:.3f} | {row['feature_fid']:.2f} | {row['clipped']} | "
            f"{row['max_error']:.4f} | {row['nj_per_sample']:.3f} | {row['emulator_seconds']:.1f} |"
        )
    if args.output:
        Path(args.output).write_text(json.dumps({"model": program.spec.name, "target": base.name, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
