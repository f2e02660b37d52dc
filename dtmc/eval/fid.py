"""Feature FID and classifier accuracy of images against a dataset's committed reference.

This FID uses dtmc's own small classifier as feature network, not Inception: its numbers are
comparable with each other, never with published Inception FIDs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from jaxtyping import Float

from dtmc.data.datasets import feature_dataset
from dtmc.data.encoding import downsample
from dtmc.errors import DataError
from dtmc.spec import DataSpec
from dtmc.eval.network import FEATURE_DIM, N_CLASSES, NET_SIDE, load_feature_net, prepare_images, weights_dir
from dtmc.eval.statistics import features, frechet_distance, mixture_statistics

__all__ = [
    "FidProtocol",
    "FID_PROTOCOL",
    "REFERENCE_FORMS",
    "ReferenceForm",
    "fid_score",
    "class_accuracy",
    "reference_statistics",
    "reference_form_for",
]

logger = logging.getLogger(__name__)

ReferenceForm = Literal["binary", "gray", "binary_14", "gray_14"]

# Derivation of each reference form from grayscale training images in [0, 1]. The `_14` forms are
# 2x2 block means at 14x14, as `encode_images` downsamples, and are resized back to 28x28 by the
# network exactly like generated 14x14 images, so a perfect 14x14 model scores as real data would.
REFERENCE_FORMS = {
    "binary": lambda images: (images > 0.5).astype(np.float32),
    "gray": lambda images: images,
    "binary_14": lambda images: (downsample(images, 14) > 0.5).astype(np.float32),
    "gray_14": lambda images: downsample(images, 14).astype(np.float32),
}


def reference_form_for(data: DataSpec) -> ReferenceForm:
    """Return the reference form that matches a model's encoding: binary or gray, 28 or 14 pixels.

    Images of other sides are compared against the 28x28 references after resizing.
    """
    base = "binary" if data.encoding == "binary" or data.levels == 1 else "gray"
    return f"{base}_14" if data.side == 14 else base


@dataclass(frozen=True)
class FidProtocol:
    """The fixed recipe behind every `fid_score`, to print next to the numbers it produces."""

    name: str = "dtmc feature FID (not Inception FID)"
    feature_layer: str = "128-unit ReLU dense layer of dtmc's 2-conv CNN classifier for the dataset"
    feature_dim: int = FEATURE_DIM
    input_side: int = NET_SIDE
    """Images of another side are resized to this side with bilinear interpolation."""
    reference: str = (
        "all training images of the requested classes, one Gaussian per class, mixed with equal "
        "class weights"
    )
    reference_forms: tuple[str, ...] = tuple(REFERENCE_FORMS)
    """`binary`: training images thresholded at 0.5. `gray`: the grayscale originals. `binary_14`
    and `gray_14`: the same after a 2x2 block-mean downsample to 14x14. Pick the form that matches
    the model's encoding and side."""
    generated_side: str = (
        "every image passed in; FID is biased upward at small N, so compare scores at equal N only"
    )
    min_images: int = 2

    def describe(self, n_images: int) -> str:
        """Return a one-line label for a reported score over `n_images` generated images."""
        return f"{self.name}, {self.feature_dim} features, N={n_images} generated vs training-set reference"


FID_PROTOCOL = FidProtocol()


@functools.cache
def _class_statistics(dataset: str) -> dict[str, np.ndarray]:
    path = weights_dir() / f"{dataset}_stats.npz"
    if not path.is_file():
        raise DataError(f"no feature statistics for dataset '{dataset}' at {path}; reinstall dtmc")
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _class_list(classes: Sequence[int] | None) -> list[int]:
    if classes is None:
        return list(range(N_CLASSES))
    chosen = [int(c) for c in classes]
    bad = [c for c in chosen if not 0 <= c < N_CLASSES]
    if not chosen or bad or len(set(chosen)) != len(chosen):
        raise DataError(
            f"classes {list(classes)} are invalid; give distinct class ids in 0..{N_CLASSES - 1}"
        )
    return chosen


def reference_statistics(
    dataset: str,
    classes: Sequence[int] | None = None,
    reference: ReferenceForm = "binary",
) -> tuple[np.ndarray, np.ndarray]:
    """Return feature mean [128] and covariance [128, 128] of the training-set reference.

    Raises:
        DataError: for an unknown dataset, reference form or class id.
    """
    if reference not in FID_PROTOCOL.reference_forms:
        raise DataError(
            f"unknown FID reference '{reference}'; choose one of {', '.join(FID_PROTOCOL.reference_forms)}"
        )
    stats = _class_statistics(feature_dataset(dataset))
    return mixture_statistics(stats[f"{reference}_mean"], stats[f"{reference}_cov"], _class_list(classes))


def fid_score(
    images: Float[np.ndarray, "n h w"],
    *,
    dataset: str,
    classes: Sequence[int] | None = None,
    reference: ReferenceForm = "binary",
) -> float:
    """Return the feature FID of images against the training set of `dataset`.

    See `FID_PROTOCOL` for the recipe. Report the score with `FID_PROTOCOL.describe(n)`.

    Args:
        images: float [N, side, side] in [0, 1], 0 black; sides other than 28 are resized.
        dataset: `mnist`, `fashion_mnist`, or `mnist_small` (which uses the mnist network).
        classes: class ids the images should cover; the reference mixes exactly these classes.
            None means all ten.
        reference: `binary` for models of binarised images, `gray` for grayscale models, and
            `binary_14` or `gray_14` for models of images downsampled to 14x14.

    Returns:
        The Frechet distance between the Gaussians of generated and reference features.

    Raises:
        DataError: for images of a bad shape or range, fewer than two images, or an unknown
            dataset, class id or reference form.
    """
    prepared = prepare_images(images)
    if prepared.shape[0] < FID_PROTOCOL.min_images:
        raise DataError(f"FID needs at least {FID_PROTOCOL.min_images} images; got {prepared.shape[0]}")
    reference_mean, reference_cov = reference_statistics(dataset, classes, reference)

    model = load_feature_net(feature_dataset(dataset))
    rows = features(model, prepared)
    score = frechet_distance(rows.mean(axis=0), np.cov(rows, rowvar=False), reference_mean, reference_cov)
    logger.info("%s: %.3f", FID_PROTOCOL.describe(prepared.shape[0]), score)
    return score


def class_accuracy(
    images: Float[np.ndarray, "n h w"],
    labels: Sequence[int] | np.ndarray,
    *,
    dataset: str,
) -> float:
    """Return the fraction of images that the dataset's classifier assigns to their label.

    Args:
        images: float [N, side, side] in [0, 1]; sides other than 28 are resized.
        labels: the dataset class id each image should show (not a model's class index).
        dataset: `mnist`, `fashion_mnist` or `mnist_small`.

    Raises:
        DataError: for images of a bad shape or range, or labels that do not match them.
    """
    prepared = prepare_images(images)
    expected = np.asarray(labels).reshape(-1)
    if expected.shape[0] != prepared.shape[0]:
        raise DataError(f"got {expected.shape[0]} labels for {prepared.shape[0]} images; give one label per image")

    model = load_feature_net(feature_dataset(dataset))
    predicted = np.argmax(features(model, prepared, logits=True), axis=1)
    return float(np.mean(predicted == expected))
