"""Loading a dataset split by name or path: the fetched cache, the embedded subset or a user file."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from jaxtyping import Int64, UInt8

from dtmc.data.cache import ARRAY_KEYS, cache_path, read_arrays
from dtmc.data.idx import IDX_FILES, OFFICIAL_SHA256
from dtmc.errors import DataError

__all__ = ["Dataset", "DATASET_NAMES", "EMBEDDED_PATH", "load_dataset", "feature_dataset"]

# The class-balanced MNIST subset shipped inside the package (built by scripts/build_mnist_small.py).
EMBEDDED_PATH = Path(__file__).resolve().parent / "mnist_small.npz"

# `mnist_embedded` is the name that `DataSpec.source` uses by default; it means `mnist_small`.
_EMBEDDED_NAMES = ("mnist_small", "mnist_embedded")
_FETCHED_NAMES = ("mnist", "fashion_mnist")
DATASET_NAMES = _FETCHED_NAMES + _EMBEDDED_NAMES


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of an image dataset.

    Attributes:
        images: uint8 pixels, 0 black to 255 white, shape [N, H, W].
        labels: dataset class ids (0..9 for the MNIST family), shape [N].
    """

    images: UInt8[np.ndarray, "n height width"]
    labels: Int64[np.ndarray, " n"]

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def feature_dataset(source: str) -> str:
    """Return the dataset whose FID feature network and statistics serve `source`.

    `mnist_small` and `mnist_embedded` use the `mnist` network; a local file has none.

    Raises:
        DataError: if `source` is not a known dataset name.
    """
    if source in _EMBEDDED_NAMES:
        return "mnist"
    if source in _FETCHED_NAMES:
        return source
    raise DataError(
        f"no feature network for dataset '{source}': choose one of {', '.join(DATASET_NAMES)}"
    )


def _load_fetched(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    path = cache_path(name)
    if not path.is_file():
        raise DataError(
            f"dataset '{name}' is not in the cache {path.parent}; run `dtmc data fetch {name}` "
            f"once (or set DTMC_DATA_DIR to the folder that holds {path.name})"
        )
    keys = (f"{split}_images", f"{split}_labels")
    arrays = read_arrays(path, keys)

    # The stored checksums are self-consistent; also require that they are the official digests.
    with np.load(path, allow_pickle=False) as archive:
        stored = dict(entry.split("=", 1) for entry in archive["sha256"].tolist())
    for key in keys:
        kind = key.split("_", 1)[1]
        official = OFFICIAL_SHA256[name][IDX_FILES[(split, kind)]]
        if stored[key] != official:
            raise DataError(
                f"{path} does not hold the official {name} {split} {kind}; delete it and run "
                f"`dtmc data fetch {name}`"
            )
    return arrays[keys[0]], arrays[keys[1]]


def _validate_user_file(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise DataError(f"dataset file {path} not found; give a dataset name ({', '.join(DATASET_NAMES)}) or an existing .npz path")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ARRAY_KEYS if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path} is missing {', '.join(missing)}; a dataset file needs the arrays "
                    f"{', '.join(ARRAY_KEYS)}"
                )
            images = archive[f"{split}_images"]
            labels = archive[f"{split}_labels"]
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read dataset file {path}: {error}") from error

    name = f"{path.name} {split}_images"
    if images.ndim != 3 or images.shape[0] == 0:
        raise DataError(f"{name} has shape {images.shape}; expected [N, height, width] with N >= 1")
    if images.dtype == np.uint8:
        pixels = images
    elif np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
            raise DataError(
                f"{name} contains floats outside [0, 1] (min {np.nanmin(images):g}, max "
                f"{np.nanmax(images):g}); scale float images to [0, 1] or store uint8 0..255"
            )
        pixels = np.round(images * 255.0).astype(np.uint8)
    else:
        raise DataError(f"{name} has dtype {images.dtype}; store uint8 0..255 or floats in [0, 1]")

    if labels.shape != (images.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(
            f"{path.name} {split}_labels has shape {labels.shape} and dtype {labels.dtype}; expected "
            f"integers of shape ({images.shape[0]},), one per image"
        )
    if labels.min() < 0:
        raise DataError(f"{path.name} {split}_labels contains {labels.min()}; class ids must be >= 0")
    return pixels, labels


def load_dataset(
    source: str,
    split: Literal["train", "test"],
    classes: Sequence[int] | None = None,
) -> Dataset:
    """Load one split of a dataset, optionally keeping only some classes.

    Args:
        source: `mnist` or `fashion_mnist` (fetched into the cache by `dtmc data fetch`),
            `mnist_small` (alias `mnist_embedded`: the subset shipped with dtmc, 600 train and
            100 test images per class), or a path to a `.npz` file with `train_images`,
            `train_labels`, `test_images`, `test_labels` (uint8 images [N, H, W] or floats in [0, 1]).
        split: `train` or `test`.
        classes: class ids to keep, in any order; None keeps all. Labels stay dataset class ids.

    Returns:
        The split, images in their stored order.

    Raises:
        DataError: for an unknown name, a missing or corrupted file, bad arrays, or a class with
            no images.
    """
    if split not in ("train", "test"):
        raise DataError(f"unknown split '{split}'; choose 'train' or 'test'")

    if source in _FETCHED_NAMES:
        images, labels = _load_fetched(source, split)
    elif source in _EMBEDDED_NAMES:
        arrays = read_arrays(EMBEDDED_PATH, (f"{split}_images", f"{split}_labels"))
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
    elif source.endswith(".npz") or Path(source).suffix:
        images, labels = _validate_user_file(Path(source), split)
    else:
        raise DataError(
            f"unknown dataset '{source}': choose one of {', '.join(DATASET_NAMES)} or give a path "
            f"to a .npz file"
        )

    labels = labels.astype(np.int64)
    if classes is not None:
        requested = np.asarray(list(classes), dtype=np.int64)
        present = set(np.unique(labels).tolist())
        absent = [int(c) for c in requested if int(c) not in present]
        if absent:
            raise DataError(
                f"dataset '{source}' {split} split has no images of class {absent}; its classes "
                f"are {sorted(present)}"
            )
        keep = np.isin(labels, requested)
        images, labels = images[keep], labels[keep]
    return Dataset(images=np.ascontiguousarray(images), labels=labels)
