"""Adam with cosine learning-rate decay and a separate base learning rate for every step."""

from __future__ import annotations

import jax
import numpy as np
import optax

from dtmc.errors import CheckError
from dtmc.spec import TrainSpec

__all__ = ["make_optimiser", "learning_rates", "apply_updates"]


def make_optimiser(train: TrainSpec, updates_per_epoch: int) -> optax.GradientTransformation:
    """Build Adam (b1 0.9, b2 0.999) followed by a cosine decay from 1 to `cosine_alpha`.

    The decay runs over `decay_epochs` (or `epochs`) epochs of `updates_per_epoch` updates and then
    stays at `cosine_alpha`. The transformation returns the update direction already scaled by the
    decay; `apply_updates` multiplies it by each step's own base learning rate, so one optimiser
    state can be vmapped over steps.

    Args:
        train: training settings.
        updates_per_epoch: gradient updates per epoch (batches per epoch).

    Returns:
        An optax transformation that does not yet include the learning rate or its sign.
    """
    decay_epochs = train.decay_epochs or train.epochs
    decay_updates = max(1, decay_epochs * updates_per_epoch)
    schedule = optax.cosine_decay_schedule(init_value=1.0, decay_steps=decay_updates, alpha=train.cosine_alpha)
    return optax.chain(optax.scale_by_adam(b1=0.9, b2=0.999), optax.scale_by_schedule(schedule))


def learning_rates(train: TrainSpec, n_steps: int) -> np.ndarray:
    """Return the base learning rate of every step as float32[T].

    Raises:
        CheckError: if `train.lr` has neither one value nor one per step.
    """
    if len(train.lr) == 1:
        return np.full(n_steps, train.lr[0], dtype=np.float32)
    if len(train.lr) != n_steps:
        raise CheckError(
            f"train.lr has {len(train.lr)} values but the model has {n_steps} diffusion steps; "
            "give one learning rate for all steps or exactly one per step"
        )
    return np.asarray(train.lr, dtype=np.float32)


def apply_updates(params, updates, learning_rate):
    """Return `params - learning_rate * updates`, leaf by leaf (gradient descent)."""
    return jax.tree_util.tree_map(lambda p, u: p - learning_rate * u, params, updates)
