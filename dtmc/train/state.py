"""The complete state of a training run between two gradient updates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dtmc.train.penalty import PenaltyState

__all__ = ["TrainState"]


@dataclass(frozen=True)
class TrainState:
    """Everything a checkpoint must hold so that a resumed run continues bit-identically.

    Attributes:
        weights: float32[T, m], trained base-edge weights of every step.
        biases: float32[T, n_grid], trained grid-node biases of every step.
        opt_state: optax state, vmapped over steps (leading axis T on every array leaf).
        penalty: correlation penalty strengths and last measured autocorrelation.
        key: uint32[2], the run's root PRNG key; epoch and batch keys are folded from it.
        epoch: number of completed epochs.
        batch: batches already applied in epoch `epoch` (0 at an epoch boundary).
        history: one metrics dict per evaluated epoch, oldest first.
    """

    weights: np.ndarray
    biases: np.ndarray
    opt_state: Any
    penalty: PenaltyState
    key: np.ndarray
    epoch: int = 0
    batch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    def evolve(self, **changes: Any) -> "TrainState":
        """Return a copy with the given fields replaced."""
        return replace(self, **changes)

    def is_finite(self) -> bool:
        """Return whether every weight and bias is a finite number."""
        return bool(np.all(np.isfinite(self.weights)) and np.all(np.isfinite(self.biases)))
