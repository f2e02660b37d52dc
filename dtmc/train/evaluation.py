"""Evaluation of a trained program: class-conditional samples, feature FID and class accuracy."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from dtmc.errors import DataError
from dtmc.spec import ModelSpec
from dtmc.train.generation import Generated, Generator

__all__ = ["Evaluation", "evaluate", "encode_split", "decode_samples"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Metrics and samples of one evaluation.

    Attributes:
        metrics: `fid` (dtmc feature FID of the clamped samples, not Inception FID),
            `accuracy` (fraction of clamped samples the feature classifier assigns to their
            class) and `n_samples`; FID and accuracy are None when the dataset has no feature
            network.
        clamped: class-clamped samples, one group of `per_class` chains per class.
        free: samples with free labels, recorded for the denoising animation.
    """

    metrics: dict[str, Any]
    clamped: Generated
    free: Generated


def encode_split(spec: ModelSpec, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Load and encode one split of the model's dataset.

    Returns:
        `(bits uint8[N, V], class_ids int64[N])`: image spins then label spins, and dataset labels.
    """
    from dtmc.data import encode_images, encode_labels, load_dataset

    dataset = load_dataset(spec.data.source, split, spec.data.classes)
    if spec.train.train_examples is not None and split == "train":
        dataset = type(dataset)(images=dataset.images[: spec.train.train_examples], labels=dataset.labels[: spec.train.train_examples])
    images = encode_images(spec.data, dataset.images)
    if spec.labels.kind == "none":
        return images, np.asarray(dataset.labels)
    labels = encode_labels(dataset.labels, spec.data.classes, spec.labels.repeat)
    return np.concatenate([images, labels], axis=1), np.asarray(dataset.labels)


def decode_samples(spec: ModelSpec, bits: np.ndarray) -> np.ndarray:
    """Return float32[N, side, side] images in [0, 1] from generated bits."""
    from dtmc.data import decode_images

    return decode_images(spec.data, bits[:, : spec.data.image_spins])


def _feature_dataset(spec: ModelSpec) -> str | None:
    from dtmc.data import feature_dataset

    try:
        return feature_dataset(spec.data.source)
    except DataError:
        return None


def evaluate(
    program: Any,
    generator: Generator,
    weights: np.ndarray,
    biases: np.ndarray,
    *,
    key: jax.Array,
    per_class: int | None = None,
) -> Evaluation:
    """Generate class-clamped and free samples and score the clamped ones.

    Args:
        program: the compiled program.
        generator: its generator (compiled once per run).
        weights: float32[T, m] trained weights.
        biases: float32[T, n_grid] trained biases.
        key: PRNG key.
        per_class: samples per class; `generate.per_class` when None.

    Returns:
        The metrics and both sample sets.
    """
    spec = program.spec
    per_class = per_class or spec.generate.per_class
    n_classes = len(spec.data.classes)
    clamped_key, free_key = jax.random.split(key)

    classes = np.repeat(np.arange(n_classes), per_class)
    clamped = generator.generate(weights, biases, key=clamped_key, classes=classes)
    free = generator.generate(weights, biases, key=free_key, n=min(n_classes * per_class, 64), record=True)

    metrics: dict[str, Any] = {"fid": None, "accuracy": None, "n_samples": int(classes.shape[0])}
    dataset = _feature_dataset(spec)
    if dataset is None:
        logger.warning("no feature network for data source %s, so FID and accuracy are skipped", spec.data.source)
        return Evaluation(metrics=metrics, clamped=clamped, free=free)

    from dtmc.eval import class_accuracy, fid_score, reference_form_for

    images = decode_samples(spec, clamped.bits)
    class_ids = np.asarray(spec.data.classes)[classes]
    reference = reference_form_for(spec.data)
    metrics["fid"] = float(fid_score(images, dataset=dataset, classes=spec.data.classes, reference=reference))
    metrics["accuracy"] = float(class_accuracy(images, class_ids, dataset=dataset))
    return Evaluation(metrics=metrics, clamped=clamped, free=free)
