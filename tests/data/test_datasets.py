"""Dataset loading: the embedded subset, the cache, checksums and user files."""

import zipfile

import numpy as np
import pytest

from dtmc.data import load_dataset
from dtmc.data.cache import array_checksum, cache_path, read_arrays, write_arrays
from dtmc.data.datasets import EMBEDDED_PATH, feature_dataset
from dtmc.errors import DataError


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DTMC_DATA_DIR", str(tmp_path))
    return tmp_path


def small_arrays(n: int = 6) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "train_images": rng.integers(0, 256, size=(n, 4, 4), dtype=np.uint8),
        "train_labels": np.arange(n, dtype=np.uint8) % 3,
        "test_images": rng.integers(0, 256, size=(2, 4, 4), dtype=np.uint8),
        "test_labels": np.array([0, 2], dtype=np.uint8),
    }


@pytest.mark.parametrize(("split", "per_class"), [("train", 600), ("test", 100)])
def test_embedded_subset_is_class_balanced(split, per_class):
    data = load_dataset("mnist_small", split)
    assert data.images.shape == (10 * per_class, 28, 28)
    assert data.images.dtype == np.uint8
    assert data.labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(data.labels), [per_class] * 10)


def test_embedded_alias_matches():
    first = load_dataset("mnist_small", "test")
    second = load_dataset("mnist_embedded", "test")
    np.testing.assert_array_equal(first.images, second.images)


def test_embedded_subset_is_small():
    assert EMBEDDED_PATH.stat().st_size < 5_000_000


def test_class_filter_keeps_dataset_ids():
    data = load_dataset("mnist_small", "test", classes=[7, 2])
    assert len(data) == 200
    assert sorted(set(data.labels.tolist())) == [2, 7]


def test_class_filter_rejects_absent_class():
    with pytest.raises(DataError, match=r"no images of class \[11\]"):
        load_dataset("mnist_small", "test", classes=[1, 11])


def test_unknown_split_rejected():
    with pytest.raises(DataError, match="unknown split 'validation'"):
        load_dataset("mnist_small", "validation")


def test_unknown_name_rejected():
    with pytest.raises(DataError, match="unknown dataset 'cifar'"):
        load_dataset("cifar", "train")


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_missing_dataset_names_fetch_command(empty_cache, name):
    with pytest.raises(DataError, match=f"run `dtmc data fetch {name}`"):
        load_dataset(name, "train")


def test_cache_round_trip(empty_cache):
    arrays = small_arrays()
    write_arrays(empty_cache / "toy.npz", arrays)
    loaded = read_arrays(empty_cache / "toy.npz", ("train_images", "test_labels"))
    np.testing.assert_array_equal(loaded["train_images"], arrays["train_images"])
    np.testing.assert_array_equal(loaded["test_labels"], arrays["test_labels"])


def test_cache_write_leaves_no_temporary_file(empty_cache):
    write_arrays(empty_cache / "toy.npz", small_arrays())
    assert [p.name for p in empty_cache.iterdir()] == ["toy.npz"]


def test_corrupted_bytes_detected(empty_cache):
    path = empty_cache / "toy.npz"
    write_arrays(path, small_arrays(200))
    content = bytearray(path.read_bytes())
    middle = len(content) // 3
    content[middle:middle + 16] = bytes(16)
    path.write_bytes(bytes(content))
    with pytest.raises(DataError, match="delete .*toy.npz and fetch the dataset again"):
        read_arrays(path, ("train_images", "train_labels", "test_images", "test_labels"))


def test_tampered_array_detected(empty_cache):
    """A well-formed file whose array differs from its recorded checksum."""
    arrays = small_arrays()
    checksums = np.array([f"{key}={array_checksum(value)}" for key, value in arrays.items()])
    arrays["train_images"][0, 0, 0] ^= 1
    path = empty_cache / "toy.npz"
    np.savez_compressed(path, **arrays, sha256=checksums)
    with pytest.raises(DataError, match="is corrupted: array 'train_images'"):
        read_arrays(path, ("train_images",))


def test_truncated_file_detected(empty_cache):
    path = empty_cache / "toy.npz"
    write_arrays(path, small_arrays())
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError, match="cannot read"):
        read_arrays(path, ("train_images",))


def test_self_consistent_impostor_rejected(empty_cache):
    """A valid dtmc file in the mnist slot that does not hold the official MNIST bytes."""
    write_arrays(cache_path("mnist"), small_arrays())
    with pytest.raises(DataError, match="does not hold the official mnist train images"):
        load_dataset("mnist", "train")


def test_user_file_uint8(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, **small_arrays())
    data = load_dataset(str(path), "train", classes=[2])
    assert data.images.shape == (2, 4, 4)
    assert data.labels.tolist() == [2, 2]


def test_user_file_float_scaled(tmp_path):
    arrays = small_arrays()
    arrays["test_images"] = np.array([[[0.0, 1.0], [0.5, 0.25]]] * 2)
    path = tmp_path / "mine.npz"
    np.savez(path, **arrays)
    data = load_dataset(str(path), "test")
    np.testing.assert_array_equal(data.images[0], [[0, 255], [128, 64]])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"test_images": np.full((2, 2, 2), 1.5)}, r"floats outside \[0, 1\]"),
        ({"test_images": np.zeros((2, 4), dtype=np.uint8)}, r"expected \[N, height, width\]"),
        ({"test_images": np.zeros((2, 2, 2), dtype=np.int32)}, "dtype int32"),
        ({"test_labels": np.array([0])}, r"expected integers of shape \(2,\)"),
        ({"test_labels": np.array([0.0, 1.0])}, "expected integers"),
        ({"test_labels": np.array([0, -1])}, "class ids must be >= 0"),
    ],
    ids=["float-range", "rank", "dtype", "label-count", "label-dtype", "negative-label"],
)
def test_user_file_invalid_arrays(tmp_path, change, message):
    arrays = {**small_arrays(), **change}
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_dataset(str(path), "test")


def test_user_file_missing_key(tmp_path):
    arrays = small_arrays()
    del arrays["test_labels"]
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match="is missing test_labels"):
        load_dataset(str(path), "train")


def test_user_file_not_found(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(str(tmp_path / "absent.npz"), "train")


def test_user_file_not_a_zip(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("not an archive")
    with pytest.raises(DataError, match="cannot read dataset file"):
        load_dataset(str(path), "train")
    assert not zipfile.is_zipfile(path)


@pytest.mark.parametrize(("source", "network"), [("mnist_small", "mnist"), ("fashion_mnist", "fashion_mnist")])
def test_feature_dataset_mapping(source, network):
    assert feature_dataset(source) == network
