"""The committed feature networks and FID on held-out real images.

Thresholds were set from measured values with margins; the measured values are in comments.
"""

import equinox as eqx
import numpy as np
import pytest

from dtmc.data import load_dataset
from dtmc.data.cache import data_dir
from dtmc.data.encoding import downsample
from dtmc.errors import DataError
from dtmc.eval import FID_PROTOCOL, class_accuracy, fid_score, reference_statistics
from dtmc.eval.network import load_feature_net, prepare_images, resize_to_input
from dtmc.eval.statistics import _batch_outputs, features


def box_blur(images: np.ndarray, radius: int) -> np.ndarray:
    """Average each pixel over a (2r+1) x (2r+1) window, with edge padding."""
    width = 2 * radius + 1
    padded = np.pad(images, ((0, 0), (radius, radius), (radius, radius)), mode="edge")
    rows = sum(padded[:, i:i + images.shape[1], :] for i in range(width)) / width
    return sum(rows[:, :, j:j + images.shape[2]] for j in range(width)) / width


@pytest.fixture(scope="module")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    data = load_dataset("mnist_small", "test")
    return data.images.astype(np.float32) / 255.0, data.labels


def test_accuracy_gray(mnist_test):
    images, labels = mnist_test
    assert class_accuracy(images, labels, dataset="mnist_small") >= 0.97


def test_accuracy_binarised(mnist_test):
    images, labels = mnist_test
    binary = (images > 0.5).astype(np.float32)
    assert class_accuracy(binary, labels, dataset="mnist") >= 0.97


def test_accuracy_binarised_14(mnist_test):
    """Images binarised at 14x14 are resized to 28x28 before classification."""
    images, labels = mnist_test
    small = (downsample(images, 14) > 0.5).astype(np.float32)
    assert class_accuracy(small, labels, dataset="mnist") >= 0.95


def test_fid_real_blurred_noise_ordering(mnist_test):
    """Held-out images score low, blurred ones much higher, uniform noise far higher.

    Measured at N=1000 with the committed mnist network: real 36, blurred 226, noise 1962.
    """
    images, _ = mnist_test
    real = fid_score(images, dataset="mnist_small", reference="gray")
    blurred = fid_score(box_blur(images, 1), dataset="mnist_small", reference="gray")
    noise = fid_score(np.random.default_rng(0).random(images.shape), dataset="mnist_small", reference="gray")
    assert real < 60.0
    assert blurred > 4 * real
    assert noise > 5 * blurred


@pytest.mark.parametrize(
    ("side", "matched", "mismatched"),
    [(28, "binary", "binary_14"), (14, "binary_14", "binary")],
    ids=["28", "14"],
)
def test_fid_binary_references(mnist_test, side, matched, mismatched):
    """Binarised held-out images score lowest against the reference of their own side."""
    images, _ = mnist_test
    binary = (downsample(images, side) > 0.5).astype(np.float32)
    own = fid_score(binary, dataset="mnist", reference=matched)
    other = fid_score(binary, dataset="mnist", reference=mismatched)
    assert own < 60.0
    assert other > 3 * own


def test_fid_gray_14_reference(mnist_test):
    images, _ = mnist_test
    assert fid_score(downsample(images, 14), dataset="mnist", reference="gray_14") < 60.0


def test_resize_keeps_constant_image():
    constant = np.full((2, 14, 14), 0.25, dtype=np.float32)
    resized = np.asarray(resize_to_input(constant))
    assert resized.shape == (2, 28, 28)
    np.testing.assert_allclose(resized, 0.25, atol=1e-6)


def test_fid_class_subset_reference(mnist_test):
    images, labels = mnist_test
    threes = images[labels == 3]
    same = fid_score(threes, dataset="mnist", classes=[3], reference="gray")
    other = fid_score(threes, dataset="mnist", classes=[5], reference="gray")
    assert other > 5 * same


def test_features_compile_once(mnist_test):
    """After one call of each kind, further calls with any number of images compile nothing."""
    images, labels = mnist_test
    model = load_feature_net("mnist")
    features(model, prepare_images(images[:2]))
    class_accuracy(images[:2], labels[:2], dataset="mnist")
    traces = eqx.debug.get_num_traces(_batch_outputs)

    for count in (3, 501, 1000):
        features(model, prepare_images(images[:count]))
        class_accuracy(images[:count], labels[:count], dataset="mnist")
    assert eqx.debug.get_num_traces(_batch_outputs) == traces


def test_protocol_says_not_inception():
    assert "not Inception" in FID_PROTOCOL.describe(5120)
    assert "N=5120" in FID_PROTOCOL.describe(5120)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((4, 28)), r"expected \[N, side, side\]"),
        (np.zeros((4, 28, 20)), r"expected \[N, side, side\]"),
        (np.full((4, 28, 28), 2.0), r"must lie in \[0, 1\]"),
        (np.zeros((1, 28, 28)), "at least 2 images"),
    ],
    ids=["rank", "not-square", "range", "one-image"],
)
def test_fid_rejects_bad_images(images, message):
    with pytest.raises(DataError, match=message):
        fid_score(images, dataset="mnist")


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"dataset": "cifar"}, "no feature network for dataset 'cifar'"),
        ({"dataset": "mnist", "classes": [3, 3]}, "give distinct class ids in 0..9"),
        ({"dataset": "mnist", "classes": [10]}, "give distinct class ids in 0..9"),
        ({"dataset": "mnist", "reference": "colour"}, "unknown FID reference 'colour'; choose one of binary, gray"),
    ],
    ids=["dataset", "repeated-class", "class-range", "reference"],
)
def test_fid_rejects_bad_arguments(keywords, message):
    with pytest.raises(DataError, match=message):
        fid_score(np.zeros((4, 28, 28)), **keywords)


def test_accuracy_rejects_label_count():
    with pytest.raises(DataError, match="got 3 labels for 4 images"):
        class_accuracy(np.zeros((4, 28, 28)), [1, 2, 3], dataset="mnist")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "minimum"), [("mnist", 0.97), ("fashion_mnist", 0.88)])
def test_full_test_set_accuracy_and_fid(name, minimum):
    """The whole official test set (10,000 images) against the training-set reference."""
    if not (data_dir() / f"{name}.npz").is_file():
        pytest.skip(f"{name} is not cached; run `dtmc data fetch {name}` to enable")
    data = load_dataset(name, "test")
    images = data.images.astype(np.float32) / 255.0
    binary = (images > 0.5).astype(np.float32)
    assert class_accuracy(images, data.labels, dataset=name) >= minimum
    assert class_accuracy(binary, data.labels, dataset=name) >= minimum - 0.02
    assert fid_score(images, dataset=name, reference="gray") < 20.0
    assert fid_score(binary, dataset=name, reference="binary") < 20.0


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_committed_statistics_cover_every_form(name):
    for form in FID_PROTOCOL.reference_forms:
        mean, cov = reference_statistics(name, reference=form)
        assert mean.shape == (128,)
        assert cov.shape == (128, 128)
        assert np.all(np.linalg.eigvalsh(cov) > -1e-4)
