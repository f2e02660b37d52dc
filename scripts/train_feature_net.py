"""Train the FID feature network of one dataset and write its weights.

Usage: python scripts/train_feature_net.py mnist|fashion_mnist [--epochs N] [--seed S]

The network is trained on each image in one of four forms, drawn per image and epoch: grayscale
28x28, binarised at 0.5, and both of those after a 2x2 block-mean downsample to 14x14 and a
bilinear upsample back to 28x28. So it classifies binary, grayscale and low-resolution samples
alike. The weights go to dtmc/eval/weights/<dataset>_net.eqx (eqx.tree_serialise_leaves); then
run scripts/compute_feature_stats.py for the reference statistics that go with them.
"""

from __future__ import annotations

import argparse
import logging
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from dtmc.data import load_dataset
from dtmc.eval.network import FeatureNet, weights_dir
from dtmc.eval.statistics import features

logger = logging.getLogger("train_feature_net")

BATCH = 128


def augment(images: jax.Array, key: jax.Array) -> jax.Array:
    """Turn each float image in [0, 1] into one of the four forms the metric may see."""
    n = images.shape[0]
    form_key, _ = jax.random.split(key)
    form = jax.random.randint(form_key, (n, 1, 1), 0, 4)

    small = images.reshape(n, 14, 2, 14, 2).mean(axis=(2, 4))
    binary = (images > 0.5).astype(jnp.float32)
    small_binary = (small > 0.5).astype(jnp.float32)
    up = lambda x: jax.image.resize(x, (n, 28, 28), method="linear")  # noqa: E731
    choices = jnp.stack([images, binary, up(small), up(small_binary)])
    return jnp.take_along_axis(choices, form[None], axis=0)[0]


def train(dataset: str, epochs: int, seed: int) -> FeatureNet:
    """Train with Adam on cross-entropy over the full training set; return the network."""
    data = load_dataset(dataset, "train")
    images = jnp.asarray(data.images, dtype=jnp.float32) / 255.0
    labels = jnp.asarray(data.labels)
    n_batches = len(data) // BATCH

    key = jax.random.key(seed)
    key, init_key = jax.random.split(key)
    model = FeatureNet(key=init_key)
    schedule = optax.cosine_decay_schedule(2e-3, epochs * n_batches, alpha=0.05)
    optimiser = optax.adam(schedule)
    state = optimiser.init(eqx.filter(model, eqx.is_array))

    @eqx.filter_jit
    def step(model, state, batch_images, batch_labels, key):
        def loss_fn(model):
            logits = jax.vmap(model)(augment(batch_images, key))
            return optax.softmax_cross_entropy_with_integer_labels(logits, batch_labels).mean()

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        updates, state = optimiser.update(grads, state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), state, loss

    for epoch in range(epochs):
        key, perm_key = jax.random.split(key)
        order = jax.random.permutation(perm_key, len(data))
        start, losses = time.perf_counter(), []
        for b in range(n_batches):
            index = order[b * BATCH:(b + 1) * BATCH]
            key, step_key = jax.random.split(key)
            model, state, loss = step(model, state, images[index], labels[index], step_key)
            losses.append(loss)
        logger.info("epoch %d: loss %.4f (%.0f s)", epoch + 1, float(jnp.mean(jnp.stack(losses))),
                    time.perf_counter() - start)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["mnist", "fashion_mnist"])
    parser.add_argument("--epochs", type=int, default=4, help="passes over the training set")
    parser.add_argument("--seed", type=int, default=0, help="PRNG seed of initialisation and batches")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    model = train(args.dataset, args.epochs, args.seed)
    folder = weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    eqx.tree_serialise_leaves(folder / f"{args.dataset}_net.eqx", model)

    test = load_dataset(args.dataset, "test")
    test_gray = test.images.astype(np.float32) / 255.0
    for form, images in (("gray", test_gray), ("binary", (test_gray > 0.5).astype(np.float32))):
        logits = features(model, images, logits=True)
        accuracy = float(np.mean(np.argmax(logits, axis=1) == test.labels))
        logger.info("%s test accuracy (%s): %.4f", args.dataset, form, accuracy)


if __name__ == "__main__":
    main()
