"""Reading and writing the IDX binary format of the MNIST family, and the official file hashes."""

from __future__ import annotations

import hashlib
import struct

import numpy as np

from dtmc.errors import DataError

__all__ = ["OFFICIAL_SHA256", "IDX_FILES", "encode_idx", "decode_idx", "sha256_hex", "verify_idx"]

# The four files of each dataset: (split, kind) -> official file name without `.gz`.
IDX_FILES: dict[tuple[str, str], str] = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}

# sha256 of the uncompressed official IDX files, as published with each dataset.
OFFICIAL_SHA256: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

# IDX magic number: two zero bytes, a type code (0x08 = unsigned byte), then the rank.
_UBYTE_TYPE = 0x08


def encode_idx(array: np.ndarray) -> bytes:
    """Serialise a uint8 array as IDX bytes: magic number, big-endian uint32 dims, raw data.

    Args:
        array: uint8 array of rank 1 (labels) or 3 (images).

    Returns:
        The IDX file content.
    """
    if array.dtype != np.uint8:
        raise DataError(f"IDX encoding needs a uint8 array, got dtype {array.dtype}")
    header = struct.pack(">BBBB", 0, 0, _UBYTE_TYPE, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def decode_idx(content: bytes, name: str = "<idx>") -> np.ndarray:
    """Parse IDX bytes of unsigned-byte data into a uint8 array.

    Args:
        content: the whole file.
        name: file name for error messages.

    Returns:
        The array with the shape that the header states.

    Raises:
        DataError: if the header is not an unsigned-byte IDX header or the size does not match.
    """
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] != _UBYTE_TYPE:
        raise DataError(f"{name} is not an unsigned-byte IDX file (header {content[:4].hex()!r})")

    rank = content[3]
    header_size = 4 + 4 * rank
    shape = struct.unpack(f">{rank}I", content[4:header_size])
    expected = header_size + int(np.prod(shape))
    if len(content) != expected:
        raise DataError(f"{name} has {len(content)} bytes but its header {shape} implies {expected}")
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def sha256_hex(content: bytes) -> str:
    """Return the hex sha256 digest of `content`."""
    return hashlib.sha256(content).hexdigest()


def verify_idx(dataset: str, file_name: str, content: bytes) -> None:
    """Check IDX bytes against the official sha256 of that file.

    Raises:
        DataError: if the digest differs, naming both digests.
    """
    expected = OFFICIAL_SHA256[dataset][file_name]
    actual = sha256_hex(content)
    if actual != expected:
        raise DataError(
            f"{dataset} {file_name} failed verification: sha256 {actual} differs from the official "
            f"{expected}; the source package changed or the download is damaged"
        )
