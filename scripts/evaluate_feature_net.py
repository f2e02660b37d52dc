"""Print sanity numbers of the committed FID feature networks on the held-out test sets.

Usage: python scripts/evaluate_feature_net.py [mnist] [fashion_mnist] [mnist_small]

For each dataset: classifier accuracy on grayscale, binarised and 14x14-binarised test images,
and the feature FID (not Inception FID) of real, blurred and uniform-noise test images against the
training-set reference. All FIDs of one dataset use the same N (the whole test split).
"""

from __future__ import annotations

import sys

import numpy as np

from dtmc.data import load_dataset
from dtmc.data.encoding import downsample
from dtmc.eval import FID_PROTOCOL, class_accuracy, fid_score


def box_blur(images: np.ndarray, radius: int) -> np.ndarray:
    """Average each pixel over a (2r+1) x (2r+1) window, with edge padding."""
    width = 2 * radius + 1
    padded = np.pad(images, ((0, 0), (radius, radius), (radius, radius)), mode="edge")
    rows = sum(padded[:, i:i + images.shape[1], :] for i in range(width)) / width
    return sum(rows[:, :, j:j + images.shape[2]] for j in range(width)) / width


def report(name: str) -> None:
    """Print accuracies and FIDs of one dataset's test split."""
    data = load_dataset(name, "test")
    gray = data.images.astype(np.float32) / 255.0
    binary = (gray > 0.5).astype(np.float32)
    small_binary = (downsample(gray, 14) > 0.5).astype(np.float32)
    n = len(data)

    print(f"{name}: {FID_PROTOCOL.describe(n)}")
    for form, images in (("gray", gray), ("binary", binary), ("binary 14x14", small_binary)):
        print(f"  accuracy {form:<13} {class_accuracy(images, data.labels, dataset=name):.4f}")

    rng = np.random.default_rng(0)
    cases = (
        ("real gray vs gray", gray, "gray"),
        ("blurred (box r=1) vs gray", box_blur(gray, 1), "gray"),
        ("blurred (box r=2) vs gray", box_blur(gray, 2), "gray"),
        ("uniform noise vs gray", rng.random(gray.shape), "gray"),
        ("real binary vs binary", binary, "binary"),
        ("binary 14x14 vs binary", small_binary, "binary"),
        ("binary 14x14 vs binary_14", small_binary, "binary_14"),
        ("gray 14x14 vs gray_14", downsample(gray, 14), "gray_14"),
        ("blurred binary (r=1) vs binary", (box_blur(gray, 1) > 0.5).astype(np.float32), "binary"),
        ("coin-flip noise vs binary", (rng.random(gray.shape) > 0.5).astype(np.float32), "binary"),
    )
    for label, images, reference in cases:
        print(f"  FID {label:<31} {fid_score(images, dataset=name, reference=reference):9.3f}")


def main() -> None:
    for name in sys.argv[1:] or ["mnist", "fashion_mnist"]:
        report(name)


if __name__ == "__main__":
    main()
