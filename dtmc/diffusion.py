"""The forward noising process: step times, flip probabilities and the fixed input coupling.

Bits are noised by independent flips: over a time interval dt at rate lam, a bit is replaced by a
fair coin with probability 1 - exp(-lam * dt), so it flips with probability
q = (1 - exp(-lam * dt)) / 2. The conditional EBM of one step encodes this channel exactly with an
input-to-output coupling J = -1/2 ln tanh(lam * dt / 2), for which exp(2 J) = (1 - q) / q.
"""

from __future__ import annotations

import math

import numpy as np

from dtmc.spec import DiffusionSpec

__all__ = [
    "step_times",
    "flip_probability",
    "coupling_strength",
    "training_interval",
    "step_couplings",
]


def step_times(diffusion: DiffusionSpec) -> np.ndarray:
    """Return the T + 1 step times t_k = f(k / T), with f(x) = x or f(x) = -ln(1 - x).

    With the log schedule the last time is `inf`, so the last step's input is pure noise.
    """
    fractions = np.arange(diffusion.steps + 1, dtype=np.float64) / diffusion.steps
    if diffusion.schedule == "linear":
        return fractions
    with np.errstate(divide="ignore"):
        return -np.log1p(-fractions)


def flip_probability(rate: float, dt: float) -> float:
    """Return q = (1 - exp(-rate * dt)) / 2, the chance that a bit flips over `dt` (0.5 for dt = inf)."""
    if math.isinf(dt):
        return 0.5
    return 0.5 * (1.0 - math.exp(-rate * dt))


def coupling_strength(rate: float, dt: float) -> float:
    """Return J = -1/2 ln tanh(rate * dt / 2), the coupling that encodes flip probability q exactly.

    It is 0 for an infinite interval (pure noise) and grows without bound as dt goes to 0.
    """
    if math.isinf(dt):
        return 0.0
    if dt <= 0 or rate <= 0:
        raise ValueError(f"coupling needs rate > 0 and dt > 0, got rate={rate}, dt={dt}")
    return -0.5 * math.log(math.tanh(rate * dt / 2.0))


def training_interval(diffusion: DiffusionSpec, step: int) -> tuple[float, float]:
    """Return the widened training interval [t_k (1 - o), t_(k+1) (1 + o)] of step k (0-based).

    Step k models P(x_k | x_(k+1)): its output is the data noised to the first time and its input
    is that output noised further to the second time.
    """
    times = step_times(diffusion)
    return float(times[step] * (1.0 - diffusion.offset)), float(times[step + 1] * (1.0 + diffusion.offset))


def step_couplings(diffusion: DiffusionSpec) -> tuple[np.ndarray, np.ndarray]:
    """Return the fixed couplings (image J, label J) of every step, each float64[T].

    They use each step's own interval t_(k+1) - t_k, not the widened training interval.
    """
    times = step_times(diffusion)
    image = np.empty(diffusion.steps)
    label = np.empty(diffusion.steps)
    for k in range(diffusion.steps):
        dt = float(times[k + 1] - times[k])
        image[k] = coupling_strength(diffusion.image_rate, dt)
        label[k] = coupling_strength(diffusion.label_rate, dt)
    return image, label
