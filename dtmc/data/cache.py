"""The user cache of fetched datasets: checksummed `.npz` files written atomically."""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from dtmc.data.idx import encode_idx, sha256_hex
from dtmc.errors import DataError

__all__ = [
    "ARRAY_KEYS",
    "data_dir",
    "cache_path",
    "array_checksum",
    "write_arrays",
    "read_arrays",
    "cached_datasets",
]

logger = logging.getLogger(__name__)

ARRAY_KEYS = ("train_images", "train_labels", "test_images", "test_labels")

# Member of every dtmc `.npz` file that lists "key=sha256" for each data array.
_CHECKSUM_KEY = "sha256"


def data_dir() -> Path:
    """Return the cache folder: `$DTMC_DATA_DIR` when set, else `~/.cache/dtmc/data`."""
    configured = os.environ.get("DTMC_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "dtmc" / "data"


def cache_path(name: str) -> Path:
    """Return the cache file of dataset `name`."""
    return data_dir() / f"{name}.npz"


def array_checksum(array: np.ndarray) -> str:
    """Return the sha256 of the array's IDX serialisation.

    For an official array this equals the published sha256 of the matching IDX file, so one
    digest serves both as a cache checksum and as proof that the data are the official bytes.
    """
    return sha256_hex(encode_idx(array))


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write uint8 arrays and their checksums to a compressed `.npz`, atomically.

    The file is written under a temporary name in the same folder and renamed into place, so a
    reader never sees a half-written file.

    Args:
        path: destination file.
        arrays: name -> uint8 array.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    checksums = np.array([f"{key}={array_checksum(value)}" for key, value in sorted(arrays.items())])

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez_compressed(stream, **arrays, **{_CHECKSUM_KEY: checksums})
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file readable by its owner only; a dataset is not private.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    logger.info("wrote %s (%d bytes)", path, path.stat().st_size)


def read_arrays(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the named arrays from a dtmc `.npz` file and check each against its stored checksum.

    Args:
        path: the file.
        keys: array names to read; only these are decompressed and checked.

    Returns:
        name -> uint8 array.

    Raises:
        DataError: if the file cannot be read, lacks a key or checksum, or a checksum differs.
    """
    fix = f"delete {path} and fetch the dataset again"
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _CHECKSUM_KEY not in archive.files:
                raise DataError(f"{path} has no '{_CHECKSUM_KEY}' checksum member; {fix}")
            stored = dict(entry.split("=", 1) for entry in archive[_CHECKSUM_KEY].tolist())
            arrays = {}
            for key in keys:
                if key not in archive.files or key not in stored:
                    raise DataError(f"{path} is missing the array '{key}'; {fix}")
                arrays[key] = archive[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read {path}: {error}; {fix}") from error

    for key, array in arrays.items():
        actual = array_checksum(array) if array.dtype == np.uint8 else "not uint8"
        if actual != stored[key]:
            raise DataError(
                f"{path} is corrupted: array '{key}' has sha256 {actual}, but the file records "
                f"{stored[key]}; {fix}"
            )
    return arrays


def cached_datasets() -> dict[str, Path]:
    """Return name -> path of every dataset file in the cache folder."""
    folder = data_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.npz"))}
