"""Correlation penalty strengths per step and the adaptive rule that updates them each epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dtmc.spec import PenaltySpec

__all__ = ["PenaltyState", "adapt_penalty", "initial_penalty", "update_penalty"]


@dataclass(frozen=True)
class PenaltyState:
    """Correlation penalty of every step and the autocorrelation it was last adapted from.

    Attributes:
        strength: float64[T], penalty coefficient cp of each step.
        last_autocorrelation: float64[T], long-lag autocorrelation measured after the previous
            epoch, NaN before the first measurement.
    """

    strength: np.ndarray
    last_autocorrelation: np.ndarray


def initial_penalty(penalty: PenaltySpec, n_steps: int) -> PenaltyState:
    """Return the starting penalty: zero for `none`, else the spec's values (one value for all steps)."""
    if penalty.kind == "none":
        strength = np.zeros(n_steps)
    elif len(penalty.values) == 1:
        strength = np.full(n_steps, float(penalty.values[0]))
    else:
        strength = np.asarray(penalty.values, dtype=np.float64)
    return PenaltyState(strength=strength, last_autocorrelation=np.full(n_steps, np.nan))


def adapt_penalty(strength: float, autocorrelation: float, previous: float, *, threshold: float, floor: float) -> float:
    """Apply the adaptive correlation penalty rule of one step once.

    With threshold theta and floor m: cp <- max(cp, m); if a < theta, cp <- cp * (0.6 + 0.2 a / theta);
    else if a rose since the previous epoch, cp <- cp * 1.2, or cp * 1.5 when a >= 1.8 theta;
    otherwise cp <- cp * 0.95. Finally a cp below m switches off to 0.

    Args:
        strength: current coefficient cp.
        autocorrelation: long-lag autocorrelation a measured now.
        previous: a measured after the previous epoch; NaN counts as "did not rise".
        threshold: theta.
        floor: m.

    Returns:
        The new coefficient.
    """
    strength = max(strength, floor)

    if autocorrelation < threshold:
        strength *= 0.6 + 0.2 * autocorrelation / threshold
    elif not math.isnan(previous) and autocorrelation > previous:
        strength *= 1.5 if autocorrelation >= 1.8 * threshold else 1.2
    else:
        strength *= 0.95

    if strength < floor:
        strength = 0.0
    return strength


def update_penalty(state: PenaltyState, penalty: PenaltySpec, autocorrelation: np.ndarray) -> PenaltyState:
    """Return the penalty state after an epoch whose measured autocorrelation is given per step.

    Only the `adaptive` kind changes strengths; every kind records the measurement.
    """
    autocorrelation = np.asarray(autocorrelation, dtype=np.float64)
    strength = state.strength.copy()
    if penalty.kind == "adaptive":
        for k in range(strength.shape[0]):
            strength[k] = adapt_penalty(
                float(strength[k]),
                float(autocorrelation[k]),
                float(state.last_autocorrelation[k]),
                threshold=penalty.threshold,
                floor=penalty.floor,
            )
    return PenaltyState(strength=strength, last_autocorrelation=autocorrelation)
