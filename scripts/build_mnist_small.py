"""Build dtmc/data/mnist_small.npz, the class-balanced MNIST subset shipped inside the package.

Usage: python scripts/build_mnist_small.py  (after `dtmc data fetch mnist`)

It keeps the first 600 training and the first 100 test images of each class, in their original
order, from the verified official MNIST files in the cache, and writes them with checksums.
"""

from __future__ import annotations

import logging

import numpy as np

from dtmc.data import load_dataset
from dtmc.data.cache import write_arrays
from dtmc.data.datasets import EMBEDDED_PATH

PER_CLASS = {"train": 600, "test": 100}


def first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Return the sorted indices of the first `per_class` images of every class."""
    chosen = [np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    arrays = {}
    for split, per_class in PER_CLASS.items():
        data = load_dataset("mnist", split)
        index = first_per_class(data.labels, per_class)
        arrays[f"{split}_images"] = data.images[index]
        arrays[f"{split}_labels"] = data.labels[index].astype(np.uint8)
    write_arrays(EMBEDDED_PATH, arrays)


if __name__ == "__main__":
    main()
