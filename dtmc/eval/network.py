"""The small convolutional classifier whose hidden layer gives the features for dtmc's FID."""

from __future__ import annotations

import functools
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from dtmc.errors import DataError

__all__ = [
    "FeatureNet",
    "FEATURE_DIM",
    "NET_SIDE",
    "N_CLASSES",
    "weights_dir",
    "prepare_images",
    "resize_to_input",
    "load_feature_net",
]

NET_SIDE = 28
"""Side of the images the network reads; other sizes are resized to it first."""
FEATURE_DIM = 128
N_CLASSES = 10


class FeatureNet(eqx.Module):
    """Two 3x3 convolutions with 2x2 max pooling, a 128-unit ReLU layer (the features), a softmax head.

    Input: one image, float32 [28, 28] in [0, 1], 0 black.
    """

    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    dense: eqx.nn.Linear
    head: eqx.nn.Linear
    pool: eqx.nn.MaxPool2d

    def __init__(self, *, key: PRNGKeyArray):
        key1, key2, key3, key4 = jax.random.split(key, 4)
        self.conv1 = eqx.nn.Conv2d(1, 32, kernel_size=3, padding=1, key=key1)
        self.conv2 = eqx.nn.Conv2d(32, 64, kernel_size=3, padding=1, key=key2)
        self.dense = eqx.nn.Linear(64 * 7 * 7, FEATURE_DIM, key=key3)
        self.head = eqx.nn.Linear(FEATURE_DIM, N_CLASSES, key=key4)
        self.pool = eqx.nn.MaxPool2d(kernel_size=2, stride=2)

    def features(self, image: Float[Array, "28 28"]) -> Float[Array, " 128"]:
        """Return the 128 post-ReLU activations of the hidden dense layer for one image."""
        hidden = self.pool(jax.nn.relu(self.conv1(image[None])))
        hidden = self.pool(jax.nn.relu(self.conv2(hidden)))
        return jax.nn.relu(self.dense(hidden.reshape(-1)))

    def __call__(self, image: Float[Array, "28 28"]) -> Float[Array, " 10"]:
        """Return the class logits for one image."""
        return self.head(self.features(image))


def weights_dir() -> Path:
    """Return the folder of the committed network weights and feature statistics."""
    return Path(__file__).resolve().parent / "weights"


def prepare_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """Check images for the network and convert them to float32.

    Args:
        images: float [N, H, W] in [0, 1] (or uint8 0..255), square.
        name: argument name for error messages.

    Returns:
        float32 [N, H, W] in [0, 1]. `resize_to_input` brings other sides to 28x28 later, inside
        the jitted network call.

    Raises:
        DataError: for a wrong rank, a non-square image, or values outside [0, 1].
    """
    array = np.asarray(images)
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] != array.shape[2]:
        raise DataError(f"{name} has shape {array.shape}; expected [N, side, side] with N >= 1")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
        raise DataError(
            f"{name} must lie in [0, 1] (0 black, 1 white); got min {np.nanmin(array):g}, "
            f"max {np.nanmax(array):g}"
        )
    return array


def resize_to_input(images: Float[Array, "n h w"]) -> Float[Array, "n 28 28"]:
    """Resize square images to 28x28 with bilinear interpolation (identity at 28x28)."""
    if images.shape[1:] == (NET_SIDE, NET_SIDE):
        return images
    resized = jax.image.resize(images, (images.shape[0], NET_SIDE, NET_SIDE), method="linear")
    return jnp.clip(resized, 0.0, 1.0)


@functools.cache
def load_feature_net(dataset: str) -> FeatureNet:
    """Load the committed network for `mnist` or `fashion_mnist` (cached per process).

    Raises:
        DataError: if no weights are shipped for `dataset` or the file does not match the network.
    """
    path = weights_dir() / f"{dataset}_net.eqx"
    if not path.is_file():
        raise DataError(f"no feature network weights for dataset '{dataset}' at {path}; "
                        f"choose mnist or fashion_mnist")
    skeleton = FeatureNet(key=jax.random.key(0))
    try:
        return eqx.tree_deserialise_leaves(path, skeleton)
    except (RuntimeError, ValueError, OSError) as error:
        raise DataError(f"feature network weights {path} do not load: {error}; reinstall dtmc") from error
