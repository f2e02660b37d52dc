"""`compile_model`: run the pass pipeline on a model spec and package the result as a `Program`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from dtmc import __version__
from dtmc.errors import PassError
from dtmc.ir.model import ModelIR
from dtmc.ir.summary import summarize_ir
from dtmc.passes import ALL_PASSES, PASS_REGISTRY, CompilerPass, PassPipeline, PassRecord, default_passes, target_passes
from dtmc.program.artifact import FORMAT_VERSION, Program, seal_program
from dtmc.spec import ModelSpec, spec_to_dict

__all__ = [
    "INIT_WEIGHT_STD",
    "build_pipeline",
    "compile_ir",
    "compile_model",
    "initial_parameters",
    "program_from_ir",
]

logger = logging.getLogger(__name__)

# Standard deviation of the initial base-edge weights.
INIT_WEIGHT_STD = 0.01
# Spawn key that separates the parameter stream from other uses of the model seed.
_INIT_STREAM = 1


def initial_parameters(spec: ModelSpec, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw the initial parameters: weights ~ N(0, 0.01^2) and zero biases, per step.

    The weights come from a PCG64 generator seeded with `SeedSequence(spec.seed, spawn_key=(1,))`,
    so they depend only on the model seed and the sizes.

    Returns:
        (weights float32[T, n_edges], biases float32[T, L*L]).
    """
    sequence = np.random.SeedSequence(spec.seed, spawn_key=(_INIT_STREAM,))
    rng = np.random.Generator(np.random.PCG64(sequence))
    steps = spec.diffusion.steps
    weights = (INIT_WEIGHT_STD * rng.standard_normal((steps, n_edges))).astype(np.float32)
    biases = np.zeros((steps, spec.graph.side**2), dtype=np.float32)
    return weights, biases


def build_pipeline(
    spec: ModelSpec,
    *,
    target: str,
    extra_passes: Sequence[CompilerPass] = (),
    callback: Callable[[CompilerPass, ModelIR, PassRecord], None] | None = None,
) -> PassPipeline:
    """Assemble the default passes, then the target's registered passes, then `extra_passes`."""
    passes = default_passes() + target_passes(spec, target) + list(extra_passes)
    return PassPipeline(tuple(passes), callback=callback)


def _check_print_after(print_after: Iterable[str]) -> set[str]:
    """Validate `--print-after` names against the registry."""
    names = set(print_after)
    unknown = sorted(names - set(PASS_REGISTRY) - {ALL_PASSES})
    if unknown:
        raise PassError(
            f"cannot print after unknown pass '{unknown[0]}'; choose '{ALL_PASSES}' or one of "
            f"{', '.join(sorted(PASS_REGISTRY))}"
        )
    return names


def compile_ir(
    spec: ModelSpec,
    *,
    target: str | None = None,
    print_after: Iterable[str] = (),
    timings: bool = False,
    extra_passes: Sequence[CompilerPass] = (),
    report: Callable[[str], None] | None = None,
) -> ModelIR:
    """Run the pass pipeline on `spec` and return the final IR; `compile_model` explains the arguments."""
    target = target or spec.target
    selected: set[str] = set()
    emit = report or logger.info

    def after_pass(compiler_pass: CompilerPass, ir: ModelIR, record: PassRecord) -> None:
        if ALL_PASSES in selected or compiler_pass.name in selected:
            emit(summarize_ir(ir, compiler_pass.name))
        if timings:
            emit(f"pass {record.name:<12} run {record.run_seconds * 1e3:8.1f} ms  verify {record.verify_seconds * 1e3:8.1f} ms")

    ir = ModelIR(spec, target=target)
    pipeline = build_pipeline(spec, target=target, extra_passes=extra_passes, callback=after_pass)
    # Checked after the pipeline is built, because building it imports the target pass modules.
    selected.update(_check_print_after(print_after))
    running = [compiler_pass.name for compiler_pass in pipeline.passes]
    idle = sorted(selected - set(running) - {ALL_PASSES})
    if idle:
        raise PassError(
            f"cannot print after pass '{idle[0]}': it does not run for target '{target}'; "
            f"choose '{ALL_PASSES}' or one of {', '.join(running)}"
        )
    records = pipeline.apply(ir)
    if timings:
        emit(f"total        {sum(r.run_seconds + r.verify_seconds for r in records) * 1e3:8.1f} ms")
    if ir.arrays is None:
        raise PassError("the pipeline ended without a 'lower' pass, so there are no arrays to package")
    return ir


def program_from_ir(ir: ModelIR) -> Program:
    """Package a fully lowered IR, with seeded initial parameters, as a sealed `Program`."""
    weights, biases = initial_parameters(ir.spec, ir.arrays.edges.shape[0])
    program = Program(
        manifest=_manifest(ir),
        spec=ir.spec,
        graph=ir.arrays,
        schedule=ir.schedule,
        blocks=ir.blocks,
        init_weights=weights,
        init_biases=biases,
    )
    return seal_program(program)


def compile_model(
    spec: ModelSpec,
    *,
    target: str | None = None,
    print_after: Iterable[str] = (),
    timings: bool = False,
    extra_passes: Sequence[CompilerPass] = (),
    report: Callable[[str], None] | None = None,
) -> Program:
    """Compile a model spec into a `Program`.

    Args:
        spec: the checked model.
        target: target name recorded in the manifest and handed to the registered target pass
            factories; None uses `spec.target`.
        print_after: pass names (or "all") after which an IR summary is reported.
        timings: whether to report each pass's run and verify time.
        extra_passes: passes to run after the default and target passes.
        report: receives the summary and timing text; None sends it to this module's logger at INFO.

    Returns:
        The sealed program (its manifest carries the content hash).

    Raises:
        PassError: for an unknown pass name or a pass whose post-condition fails.
    """
    ir = compile_ir(
        spec, target=target, print_after=print_after, timings=timings, extra_passes=extra_passes, report=report
    )
    return program_from_ir(ir)


def _manifest(ir: ModelIR) -> dict:
    """Collect the manifest fields; everything in it is deterministic for a given spec."""
    spec = ir.spec
    arrays = ir.arrays
    n_base = int(arrays.edges.shape[0])
    steps = [
        {
            "step": k,
            "nodes": arrays.n_nodes,
            "base_edges": n_base,
            "coupling_edges": arrays.n_visible,
            "coupling_image": float(arrays.coupling[k, 0]) if spec.data.image_spins else None,
            "coupling_label": float(arrays.coupling[k, -1]) if spec.label_spins else None,
        }
        for k in range(arrays.n_steps)
    ]
    return {
        "format_version": FORMAT_VERSION,
        "dtmc_version": __version__,
        "name": spec.name,
        "source_text": spec.source_text,
        "source_sha256": hashlib.sha256(spec.source_text.encode("utf-8")).hexdigest(),
        "spec": spec_to_dict(spec),
        "target": ir.target,
        "seeds": {"model": spec.seed, "placement": spec.graph.place_seed, "train": spec.train.seed},
        "steps": steps,
        "colours": {
            "count": arrays.n_colours,
            "method": ir.graph.graph.get("colouring"),
            "block_sizes": [int(len(block)) for block in ir.blocks],
        },
        "passes": list(ir.passes_run),
        "init": {"weights": f"normal(0, {INIT_WEIGHT_STD}^2)", "biases": "zeros"},
        "facts": ir.facts,
    }
