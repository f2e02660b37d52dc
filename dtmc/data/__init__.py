"""Datasets (fetched MNIST and Fashion-MNIST, the embedded MNIST subset, local files) and spin encodings."""

from dtmc.data.datasets import DATASET_NAMES, Dataset, feature_dataset, load_dataset
from dtmc.data.encoding import decode_images, decode_labels, encode_images, encode_labels
from dtmc.data.sources import fetch_dataset

__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "decode_images",
    "decode_labels",
    "encode_images",
    "encode_labels",
    "feature_dataset",
    "fetch_dataset",
    "load_dataset",
]
