"""A whole training run: epochs, penalty adaptation, evaluation, checkpoints and pictures."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jax
import numpy as np
from tqdm import tqdm

from dtmc.train.checkpoint import load_checkpoint, save_checkpoint
from dtmc.train.evaluation import Evaluation, decode_samples, encode_split, evaluate
from dtmc.train.generation import Generator
from dtmc.train.run_folder import RunFolder
from dtmc.train.state import TrainState
from dtmc.train.trainer import Trainer, TrainingDiverged, TrainingInterrupted

__all__ = ["RunResult", "train_program"]

logger = logging.getLogger(__name__)

# Offset folded into the root key for evaluation, so sampling for metrics never changes training.
_EVALUATION = 1 << 20

# Columns of the per-class sample grid written at each evaluation.
_GRID_COLUMNS = 10


@dataclass
class RunResult:
    """Outcome of `train_program`.

    Attributes:
        state: the final training state.
        last_evaluation: metrics of the last evaluation, or None if none ran.
        seconds: wall time of the call.
        epoch_seconds: wall time of each epoch trained in this call (training and evaluation).
    """

    state: TrainState
    last_evaluation: dict[str, Any] | None
    seconds: float
    epoch_seconds: list[float] = field(default_factory=list)


def _evaluation_due(spec, epoch: int, last_epoch: int) -> bool:
    every = spec.train.eval_every
    return epoch == last_epoch or (every > 0 and epoch % every == 0)


def _save(folder: RunFolder, state: TrainState, program: Any) -> Path:
    path = folder.checkpoint_path(state.epoch, state.batch)
    save_checkpoint(path, state, program.graph)
    folder.mark_latest(path)
    return path


def _write_pictures(folder: RunFolder, program: Any, epoch: int, evaluation: Evaluation) -> None:
    from dtmc.eval import save_image_grid

    spec = program.spec
    n_classes = len(spec.data.classes)
    per_class = evaluation.clamped.bits.shape[0] // n_classes
    columns = min(_GRID_COLUMNS, per_class)
    images = decode_samples(spec, evaluation.clamped.bits).reshape(n_classes, per_class, spec.data.side, spec.data.side)
    save_image_grid(
        folder.images / f"epoch_{epoch:03d}_clamped.png", images[:, :columns], row_labels=[str(c) for c in spec.data.classes]
    )

    free = decode_samples(spec, evaluation.free.bits)
    # Fewer than 8 samples (few classes, small per_class) make one shorter row.
    free_columns = min(8, free.shape[0])
    rows = max(1, free.shape[0] // free_columns)
    save_image_grid(folder.images / f"epoch_{epoch:03d}_free.png",
                    free[: rows * free_columns].reshape(rows, free_columns, *free.shape[1:]))


def _write_plots(folder: RunFolder, history: list[dict[str, Any]], curves: np.ndarray | None, record_every: int) -> None:
    from dtmc.eval import plot_autocorrelation, plot_history

    scored = [r for r in history if r.get("fid") is not None]
    if scored:
        plot_history(folder.path / "fid.png", [r["epoch"] for r in scored], [r["fid"] for r in scored],
                     "dtmc feature FID (not Inception FID)", "feature FID of class-clamped samples")
    measured = [r for r in history if r.get("autocorrelation") is not None]
    if measured:
        per_step = np.array([r["autocorrelation"] for r in measured]).T
        plot_history(folder.path / "autocorrelation_history.png", [r["epoch"] for r in measured],
                     {f"step {k + 1}": list(v) for k, v in enumerate(per_step)}, "long-lag autocorrelation",
                     "autocorrelation of free chains per step")
    if curves is not None:
        plot_autocorrelation(folder.path / "autocorrelation.png", list(np.arange(curves.shape[1]) * record_every), curves)


def _write_denoising(folder: RunFolder, program: Any, evaluation: Evaluation) -> None:
    from dtmc.eval import save_denoising_gif

    frames = evaluation.free.frames
    decoded = np.stack([decode_samples(program.spec, frame[:16]) for frame in frames])
    save_denoising_gif(folder.path / "denoising.gif", decoded)


def train_program(
    program: Any,
    folder: RunFolder,
    *,
    resume_from: Path | None = None,
    epochs: int | None = None,
    progress: bool = True,
    sampler_factory: Callable[[Any, np.ndarray], Any] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    data: tuple[np.ndarray, np.ndarray] | None = None,
) -> RunResult:
    """Train `program` to `epochs` epochs, writing everything into `folder`.

    The run folder must already exist with its program saved. A checkpoint is written after every
    epoch and `checkpoints/latest` follows it; a NaN stops the run with the previous checkpoint
    still marked latest.

    Args:
        program: the compiled program.
        folder: the run folder.
        resume_from: checkpoint to continue from; a fresh start when None.
        epochs: total epochs to reach; `train.epochs` when None.
        progress: show a tqdm progress bar on stderr.
        sampler_factory: `(graph, free_mask) -> sampler`; `dtmc.backend.make_sampler` when None.
        on_epoch: called with each epoch's metrics record.
        data: encoded `(train_bits, probe_bits)` to use instead of loading the model's dataset.

    Returns:
        The final state and metrics.

    Raises:
        TrainingInterrupted: on Ctrl-C, after the interrupted state has been checkpointed.
        TrainingDiverged: on NaN or infinite parameters.
        CheckpointError: if `resume_from` is corrupted or belongs to another program.
    """
    started = time.perf_counter()
    spec = program.spec
    last_epoch = epochs or spec.train.epochs

    if data is None:
        train_bits, probe_bits = encode_split(spec, "train")[0], encode_split(spec, "test")[0]
    else:
        train_bits, probe_bits = data
    trainer = Trainer(program, train_bits, probe_bits=probe_bits, sampler_factory=sampler_factory)
    generator = Generator(program, sampler_factory=sampler_factory)
    logger.info("training %s: %d examples, %d batches of %d per epoch, to epoch %d",
                spec.name, train_bits.shape[0], trainer.batches_per_epoch, trainer.batch_size, last_epoch)

    if resume_from is not None:
        state = load_checkpoint(resume_from, program.graph, trainer.optimiser_template())
        folder.rewrite_metrics(state.history)
        logger.info("resumed from %s at epoch %d, batch %d", resume_from, state.epoch, state.batch)
    else:
        state = trainer.initial_state()
        if spec.train.penalty.kind == "adaptive":
            # The rule compares each epoch with the one before, so measure before training too.
            _, long_lag = trainer.measure_autocorrelation(state)
            state = state.evolve(penalty=type(state.penalty)(state.penalty.strength, long_lag))
        _save(folder, state, program)

    result = RunResult(state=state, last_evaluation=None, seconds=0.0)
    bar = tqdm(total=max(0, last_epoch * trainer.batches_per_epoch - (state.epoch * trainer.batches_per_epoch + state.batch)),
               disable=not progress, unit="batch", dynamic_ncols=True)
    evaluation = None
    try:
        while state.epoch < last_epoch:
            epoch_started = time.perf_counter()
            gaps: list[float] = []
            bar.set_description(f"epoch {state.epoch + 1}/{last_epoch}")

            def on_batch(batch: int, gap: float) -> None:
                gaps.append(gap)
                bar.update(1)
                bar.set_postfix(gap=f"{gap:.4f}", refresh=False)

            try:
                trained = trainer.train_epoch(state, on_batch)
            except TrainingInterrupted as stop:
                path = _save(folder, stop.state, program)
                logger.warning("interrupted in epoch %d; saved %s", stop.state.epoch + 1, path)
                stop.checkpoint = path
                raise
            except TrainingDiverged as error:
                logger.error("%s (latest good checkpoint: %s)", error, folder.latest_checkpoint())
                raise

            try:
                state, curves, evaluation_now = _finish_epoch(trainer, generator, program, folder, trained, last_epoch)
            except KeyboardInterrupt:
                # All batches are applied but the epoch is not finished; resuming redoes only its end.
                pending = trained.evolve(epoch=trained.epoch - 1, batch=trainer.batches_per_epoch)
                path = _save(folder, pending, program)
                logger.warning("interrupted after epoch %d's batches; saved %s", trained.epoch, path)
                stop = TrainingInterrupted(pending)
                stop.checkpoint = path
                raise stop from None

            # NOTE: after a resume in the middle of an epoch, seconds and the loss proxy cover only
            # the batches run since the resume. The parameters are unaffected.
            record = state.history[-1]
            record["seconds"] = time.perf_counter() - epoch_started
            record["loss_proxy"] = float(np.mean(gaps)) if gaps else None
            folder.append_metrics(record)
            _save(folder, state, program)
            _write_plots(folder, state.history, curves, trainer.probe_record_every)
            if evaluation_now is not None:
                evaluation = evaluation_now
                result.last_evaluation = evaluation.metrics
            result.epoch_seconds.append(record["seconds"])
            bar.set_postfix(gap=f"{record['loss_proxy'] or 0:.4f}", s_per_epoch=f"{record['seconds']:.1f}")
            logger.info("epoch %d: %s", state.epoch, {k: v for k, v in record.items() if k != "epoch"})
            if on_epoch is not None:
                on_epoch(record)
    finally:
        bar.close()

    if evaluation is not None:
        _write_denoising(folder, program, evaluation)
    result.state = state
    result.seconds = time.perf_counter() - started
    return result


def _finish_epoch(trainer, generator, program, folder, state, last_epoch):
    """Adapt the penalty, evaluate when due, and append the epoch's record to the history."""
    spec = program.spec
    epoch = state.epoch
    due = _evaluation_due(spec, epoch, last_epoch)
    record: dict[str, Any] = {"epoch": epoch, "autocorrelation": None, "fid": None, "accuracy": None}

    curves = None
    if spec.train.penalty.kind == "adaptive" or due:
        curves, long_lag = trainer.measure_autocorrelation(state)
        state = trainer.adapt_penalty(state, long_lag)
        record["autocorrelation"] = [float(a) for a in long_lag]
    record["penalty"] = [float(p) for p in state.penalty.strength]

    evaluation = None
    if due:
        root = jax.random.wrap_key_data(np.asarray(state.key))
        key = jax.random.fold_in(root, _EVALUATION + epoch)
        evaluation = evaluate(program, generator, state.weights, state.biases, key=key)
        record.update({k: v for k, v in evaluation.metrics.items()})
        _write_pictures(folder, program, epoch, evaluation)

    return state.evolve(history=[*state.history, record]), curves, evaluation
