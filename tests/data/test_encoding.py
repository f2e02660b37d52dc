"""Image and label encodings checked on hand-made arrays with known results."""

import numpy as np
import pytest

from dtmc.data import decode_images, decode_labels, encode_images, encode_labels
from dtmc.data.encoding import downsample
from dtmc.errors import DataError
from dtmc.spec import DataSpec


def gray_spec(levels: int, code: str, size: int = 2) -> DataSpec:
    return DataSpec(image_size=size, encoding="grayscale", levels=levels, code=code)


def test_downsample_block_mean():
    """A 4x4 image whose 2x2 blocks average to 0, 1, 2, 3."""
    image = np.array(
        [[0, 0, 1, 1],
         [0, 0, 1, 1],
         [2, 2, 3, 5],
         [2, 2, 3, 1]],
        dtype=np.float64,
    )
    result = downsample(image[None], 2)
    np.testing.assert_array_equal(result[0], [[0, 1], [2, 3]])


def test_downsample_rejects_non_divisor():
    with pytest.raises(DataError, match="must divide the image side 28"):
        downsample(np.zeros((1, 28, 28)), 5)


def test_binary_threshold_is_strict():
    """Pixels 127 (0.498) and 128 (0.502) fall either side of 0.5; 51 equals threshold 0.2 and stays off."""
    images = np.array([[[127, 128], [51, 255]]], dtype=np.uint8)
    half = encode_images(DataSpec(image_size=2), images)
    np.testing.assert_array_equal(half, [[0, 1, 0, 1]])

    fifth = encode_images(DataSpec(image_size=2, threshold=0.2), images)
    np.testing.assert_array_equal(fifth, [[1, 1, 0, 1]])


def test_binary_after_downsample():
    """A 4x4 image whose 2x2 block means are 0.25 and 0.75 thresholds to 0 and 1."""
    image = np.array([[[255, 0, 255, 255], [0, 0, 0, 255]]], dtype=np.uint8)
    image = np.concatenate([image, image], axis=1)
    spec = DataSpec(image_size=4, downsample=2)
    np.testing.assert_array_equal(encode_images(spec, image), [[0, 1, 0, 1]])


def test_thermometer_front_filled_pixel_major():
    """Values 0, 85, 170, 255 with 3 levels are 0, 1, 2, 3 ones, pixel after pixel."""
    images = np.array([[[0, 85], [170, 255]]], dtype=np.uint8)
    bits = encode_images(gray_spec(3, "thermometer"), images)
    expected = [0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1]
    np.testing.assert_array_equal(bits, [expected])


def test_bits_code_least_significant_first():
    """Values 1, 2, 3 of 3 levels in two bits, bit 0 first; width is ceil(log2(4)) = 2."""
    images = np.array([[[85, 170], [255, 0]]], dtype=np.uint8)
    bits = encode_images(gray_spec(3, "bits"), images)
    np.testing.assert_array_equal(bits, [[1, 0, 0, 1, 1, 1, 0, 0]])


def test_quantisation_rounds_to_nearest_level():
    """With 4 levels, 0.3 (76.5) is nearer to 1/4 and 0.4 (102) nearer to 2/4."""
    images = np.array([[[76, 102], [0, 0]]], dtype=np.uint8)
    bits = encode_images(gray_spec(4, "thermometer"), images)
    np.testing.assert_array_equal(bits[0, :8], [1, 0, 0, 0, 1, 1, 0, 0])


@pytest.mark.parametrize("code", ["thermometer", "bits"])
@pytest.mark.parametrize("levels", [1, 2, 3, 7])
def test_decode_inverts_encode_up_to_quantisation(code, levels):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 4, 4), dtype=np.uint8)
    spec = gray_spec(levels, code, size=4)
    decoded = decode_images(spec, encode_images(spec, images))
    expected = np.floor(images / 255.0 * levels + 0.5) / levels
    assert decoded.dtype == np.float32
    np.testing.assert_allclose(decoded, expected, atol=1e-6)


def test_decode_thermometer_counts_ones_anywhere():
    bits = np.array([[0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1]], dtype=np.uint8)
    decoded = decode_images(gray_spec(3, "thermometer"), bits)
    np.testing.assert_allclose(decoded[0], [[1 / 3, 2 / 3], [0, 1]], atol=1e-6)


def test_decode_bits_clips_above_levels():
    """With 2 levels the two bits can spell 3, which is above the top level and clips to 1."""
    bits = np.array([[1, 1, 0, 1, 1, 0, 0, 0]], dtype=np.uint8)
    decoded = decode_images(gray_spec(2, "bits"), bits)
    np.testing.assert_allclose(decoded[0], [[1.0, 1.0], [0.5, 0.0]])


def test_decode_binary_shape():
    spec = DataSpec(image_size=28, downsample=14)
    decoded = decode_images(spec, np.ones((3, 196), dtype=np.uint8))
    assert decoded.shape == (3, 14, 14)


def test_encode_images_rejects_wrong_shape():
    with pytest.raises(DataError, match=r"expects \[N, 28, 28\]"):
        encode_images(DataSpec(), np.zeros((2, 14, 14), dtype=np.uint8))


def test_encode_images_rejects_float_input():
    with pytest.raises(DataError, match="expects uint8"):
        encode_images(DataSpec(image_size=2), np.zeros((1, 2, 2), dtype=np.float32))


def test_decode_images_rejects_wrong_width():
    with pytest.raises(DataError, match=r"expected \[N, 12\]"):
        decode_images(gray_spec(3, "thermometer"), np.zeros((1, 11), dtype=np.uint8))


def test_encode_labels_copy_major():
    """Classes (7, 3, 5): label 3 is class index 1 and label 7 index 0; two copies each."""
    bits = encode_labels([3, 7], classes=(7, 3, 5), repeat=2)
    assert bits.dtype == np.uint8
    np.testing.assert_array_equal(bits, [[0, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 0]])


def test_labels_round_trip_gives_class_index():
    labels = np.array([2, 9, 4, 2])
    classes = (2, 4, 9)
    decoded = decode_labels(encode_labels(labels, classes, repeat=5), n_classes=3, repeat=5)
    np.testing.assert_array_equal(decoded, [0, 2, 1, 0])


def test_decode_labels_majority_vote():
    """Copies vote for class 0, class 1, class 1: class 1 wins two votes to one."""
    bits = np.array([[1, 0, 0, 0, 1, 0, 0, 1, 0]], dtype=np.uint8)
    assert decode_labels(bits, n_classes=3, repeat=3).tolist() == [1]


def test_decode_labels_counts_every_bit_on():
    """A copy with several bits on votes for each of them: class 2 gets 3 votes, class 0 gets 2."""
    bits = np.array([[1, 0, 1, 1, 0, 1, 0, 0, 1]], dtype=np.uint8)
    assert decode_labels(bits, n_classes=3, repeat=3).tolist() == [2]


def test_decode_labels_tie_goes_to_lowest_index():
    bits = np.array([[0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=np.uint8)
    assert decode_labels(bits, n_classes=3, repeat=2).tolist() == [1, 0]


def test_encode_labels_rejects_unknown_class():
    with pytest.raises(DataError, match=r"labels \[8\] are not among the model's classes \[0, 1\]"):
        encode_labels([0, 8, 1], classes=(0, 1), repeat=1)


def test_encode_labels_rejects_zero_repeat():
    with pytest.raises(DataError, match="repeat is 0"):
        encode_labels([0], classes=(0,), repeat=0)


def test_decode_labels_rejects_wrong_width():
    with pytest.raises(DataError, match=r"expected \[N, 20\]"):
        decode_labels(np.zeros((2, 19), dtype=np.uint8), n_classes=10, repeat=2)
