"""Feature extraction in fixed-size jitted batches, Gaussian feature statistics and the Frechet distance."""

from __future__ import annotations

import equinox as eqx
import jax
import numpy as np

from dtmc.eval.network import FeatureNet, resize_to_input

__all__ = [
    "FEATURE_BATCH",
    "features",
    "class_feature_statistics",
    "mixture_statistics",
    "frechet_distance",
]

FEATURE_BATCH = 500
"""Images per network call. Every call uses this batch size (the last batch is padded), so the
network compiles once per image side and output kind, whatever the number of images."""


@eqx.filter_jit
@eqx.debug.assert_max_traces(max_traces=None)
def _batch_outputs(model: FeatureNet, images: jax.Array, logits: bool) -> jax.Array:
    function = model if logits else model.features
    return jax.vmap(function)(resize_to_input(images))


def features(model: FeatureNet, images: np.ndarray, *, logits: bool = False) -> np.ndarray:
    """Run the network over float32 [N, side, side] images in fixed-size batches.

    Args:
        model: the feature network.
        images: float32 [N, side, side] in [0, 1]; sides other than 28 are resized first.
        logits: return the class logits [N, 10] instead of the features [N, 128].

    Returns:
        float64 array, one row per image.
    """
    n = images.shape[0]
    padded = -(-n // FEATURE_BATCH) * FEATURE_BATCH
    batches = np.zeros((padded, *images.shape[1:]), dtype=np.float32)
    batches[:n] = images

    outputs = [
        np.asarray(_batch_outputs(model, batches[start:start + FEATURE_BATCH], logits))
        for start in range(0, padded, FEATURE_BATCH)
    ]
    return np.concatenate(outputs)[:n].astype(np.float64)


def class_feature_statistics(
    feature_rows: np.ndarray, labels: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per-class feature mean [C, D], covariance [C, D, D] (divided by n) and count [C]."""
    dim = feature_rows.shape[1]
    mean = np.zeros((n_classes, dim))
    cov = np.zeros((n_classes, dim, dim))
    count = np.zeros(n_classes)
    for c in range(n_classes):
        rows = feature_rows[labels == c]
        count[c] = rows.shape[0]
        if rows.shape[0]:
            mean[c] = rows.mean(axis=0)
            centred = rows - mean[c]
            cov[c] = centred.T @ centred / rows.shape[0]
    return mean.astype(np.float32), cov.astype(np.float32), count


def mixture_statistics(
    mean: np.ndarray, cov: np.ndarray, class_ids: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Return mean and covariance of an equal-weight mixture of the chosen classes.

    With weight w = 1/K per class: mu = sum w mu_c and
    Sigma = sum w (Sigma_c + mu_c mu_c^T) - mu mu^T, the law of total covariance.
    """
    class_mean = mean[class_ids].astype(np.float64)
    class_cov = cov[class_ids].astype(np.float64)
    mixture_mean = class_mean.mean(axis=0)
    second_moment = (class_cov + class_mean[:, :, None] * class_mean[:, None, :]).mean(axis=0)
    return mixture_mean, second_moment - np.outer(mixture_mean, mixture_mean)


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray) -> float:
    """Return the Frechet distance between two Gaussians.

    d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). The trace of the matrix square
    root equals sum_i sqrt(lambda_i) over the eigenvalues of the symmetric S1^(1/2) S2 S1^(1/2),
    which stays real and stable even when a covariance is singular (dead ReLU features).
    """
    def symmetric_sqrt(matrix: np.ndarray) -> np.ndarray:
        values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
        return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T

    root1 = symmetric_sqrt(cov1)
    inner = root1 @ cov2 @ root1
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)).sum()
    distance = np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_root
    return float(max(distance, 0.0))

