"""Turning images and labels into visible spin bits {0, 1} and back.

Image spins are pixel-major: spin `p * spins_per_pixel + level` for pixel `p = row * side + col`.
Label spins are copy-major: spin `copy * n_classes + class_index`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from jaxtyping import Float32, Int64, UInt8

from dtmc.errors import DataError
from dtmc.spec import DataSpec

__all__ = ["encode_images", "decode_images", "encode_labels", "decode_labels", "downsample"]


def downsample(images: np.ndarray, side: int) -> np.ndarray:
    """Average non-overlapping blocks so that float [N, S, S] images become [N, side, side].

    Raises:
        DataError: if `side` does not divide the image side.
    """
    n, height, width = images.shape
    if height % side or width % side:
        raise DataError(
            f"cannot downsample {height}x{width} images to {side}x{side}: the side {side} must "
            f"divide the image side {height}; pick a divisor such as {height // 2}"
        )
    factor = height // side
    return images.reshape(n, side, factor, side, factor).mean(axis=(2, 4))


def _pixel_values(data: DataSpec, images: np.ndarray) -> np.ndarray:
    """Check uint8 images against the spec, scale to [0, 1] and downsample to `data.side`."""
    array = np.asarray(images)
    if array.ndim != 3 or array.shape[1:] != (data.image_size, data.image_size):
        raise DataError(
            f"images have shape {array.shape}; the data spec expects [N, {data.image_size}, "
            f"{data.image_size}] (image_size {data.image_size})"
        )
    if array.dtype != np.uint8:
        raise DataError(f"images have dtype {array.dtype}; encode_images expects uint8 pixels 0..255")
    return downsample(array.astype(np.float64) / 255.0, data.side)


def encode_images(data: DataSpec, images: UInt8[np.ndarray, "n h w"]) -> UInt8[np.ndarray, "n spins"]:
    """Encode uint8 images as visible spin bits.

    Images are scaled to [0, 1] and block-mean downsampled to `data.side`. Then:

    * binary: one spin per pixel, on when the value is strictly above `data.threshold`;
    * grayscale: the value is quantised to the nearest of `levels + 1` levels,
      v = round(x * levels) (halves round up), and written as a thermometer code (v ones
      followed by zeros, `levels` spins) or as `ceil(log2(levels + 1))` binary bits, least
      significant bit at level 0.

    Args:
        data: the model's data spec.
        images: uint8 [N, image_size, image_size].

    Returns:
        uint8 [N, data.image_spins] of 0 and 1, pixel-major.

    Raises:
        DataError: if the image shape or dtype does not match the spec.
    """
    values = _pixel_values(data, images)
    n = values.shape[0]
    pixels = values.reshape(n, -1)

    if data.encoding == "binary":
        return (pixels > data.threshold).astype(np.uint8)

    quantised = np.floor(pixels * data.levels + 0.5).astype(np.int64)
    positions = np.arange(data.spins_per_pixel)[None, None, :]
    if data.code == "thermometer" or data.levels == 1:
        bits = positions < quantised[:, :, None]
    else:
        bits = (quantised[:, :, None] >> positions) & 1
    return bits.reshape(n, -1).astype(np.uint8)


def decode_images(data: DataSpec, bits: UInt8[np.ndarray, "n spins"]) -> Float32[np.ndarray, "n side side"]:
    """Decode visible spin bits into float images in [0, 1] of side `data.side`.

    A thermometer pixel is the number of ones over `levels`, wherever the ones sit (a sampled
    state need not be front-filled). A bits pixel is its binary value over `levels`, clipped to 1
    because the bits can spell values above `levels`.

    Raises:
        DataError: if the number of spins is not `data.image_spins`.
    """
    array = np.asarray(bits)
    if array.ndim != 2 or array.shape[1] != data.image_spins:
        raise DataError(
            f"spin array has shape {array.shape}; expected [N, {data.image_spins}] "
            f"(image_spins of the data spec)"
        )
    n, side, width = array.shape[0], data.side, data.spins_per_pixel
    per_pixel = array.reshape(n, side * side, width).astype(np.float32)

    if data.encoding == "binary":
        values = per_pixel[:, :, 0]
    elif data.code == "thermometer" or data.levels == 1:
        values = per_pixel.sum(axis=2) / data.levels
    else:
        weights = (2.0 ** np.arange(width)).astype(np.float32)
        values = np.minimum(per_pixel @ weights / data.levels, 1.0)
    return values.reshape(n, side, side).astype(np.float32)


def encode_labels(labels: Sequence[int] | np.ndarray, classes: Sequence[int], repeat: int) -> UInt8[np.ndarray, "n spins"]:
    """Encode dataset class ids as one-hot bits over `classes`, repeated `repeat` times.

    Args:
        labels: dataset class ids, shape [N].
        classes: the model's classes; class index i is `classes[i]`.
        repeat: number of copies of the one-hot code.

    Returns:
        uint8 [N, len(classes) * repeat], copy-major: spin `copy * len(classes) + class_index`.

    Raises:
        DataError: if a label is not among `classes` or `repeat` < 1.
    """
    if repeat < 1:
        raise DataError(f"label repeat is {repeat}; it must be at least 1")
    class_ids = np.asarray(list(classes), dtype=np.int64)
    label_ids = np.asarray(labels, dtype=np.int64).reshape(-1)
    matches = label_ids[:, None] == class_ids[None, :]

    unknown = np.unique(label_ids[~matches.any(axis=1)])
    if unknown.size:
        raise DataError(
            f"labels {unknown.tolist()} are not among the model's classes {class_ids.tolist()}; "
            f"load the dataset with classes={class_ids.tolist()}"
        )
    return np.tile(matches.astype(np.uint8), (1, repeat))


def decode_labels(bits: UInt8[np.ndarray, "n spins"], n_classes: int, repeat: int) -> Int64[np.ndarray, " n"]:
    """Decode label bits by majority vote over the copies; return class indices (not class ids).

    Each class gets one vote per copy in which its bit is on. The class with the most votes wins,
    and a tie goes to the lowest class index.

    Raises:
        DataError: if the bit array is not [N, n_classes * repeat].
    """
    array = np.asarray(bits)
    if array.ndim != 2 or array.shape[1] != n_classes * repeat:
        raise DataError(
            f"label bits have shape {array.shape}; expected [N, {n_classes * repeat}] "
            f"({n_classes} classes x {repeat} copies)"
        )
    votes = array.reshape(array.shape[0], repeat, n_classes).astype(np.int64).sum(axis=1)
    return np.argmax(votes, axis=1).astype(np.int64)
