"""Compute the training-set feature statistics of a committed FID feature network.

Usage: python scripts/compute_feature_stats.py mnist|fashion_mnist  (after train_feature_net.py)

For every reference form in `dtmc.eval.REFERENCE_FORMS` it writes the per-class feature mean,
covariance (divided by n) and image count of the whole training set to
dtmc/eval/weights/<dataset>_stats.npz, stored as float32.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from dtmc.data import load_dataset
from dtmc.eval.fid import REFERENCE_FORMS
from dtmc.eval.network import N_CLASSES, load_feature_net, weights_dir
from dtmc.eval.statistics import class_feature_statistics, features

logger = logging.getLogger("compute_feature_stats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["mnist", "fashion_mnist"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    model = load_feature_net(args.dataset)
    data = load_dataset(args.dataset, "train")
    gray = data.images.astype(np.float32) / 255.0

    stats = {}
    for form, derive in REFERENCE_FORMS.items():
        rows = features(model, derive(gray))
        mean, cov, count = class_feature_statistics(rows, data.labels, N_CLASSES)
        stats[f"{form}_mean"], stats[f"{form}_cov"], stats["count"] = mean, cov, count
        logger.info("%s %s: %d images", args.dataset, form, int(count.sum()))

    path = weights_dir() / f"{args.dataset}_stats.npz"
    np.savez_compressed(path, **stats)
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
