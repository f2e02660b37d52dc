"""Generation on the emulated chip, with the same inputs and outputs as the JAX generator."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dtmc.chip.build import build_for_chip, load_chip_target
from dtmc.chip.energy import CostCounter
from dtmc.chip.target import ChipTarget

__all__ = ["generate_on_chip"]

logger = logging.getLogger(__name__)


def _class_spins(classes: np.ndarray, n_classes: int, repeat: int) -> np.ndarray:
    """Return int8[N, n_classes * repeat] label spins: the one-hot code, copy-major, as +1/-1."""
    one_hot = np.eye(n_classes, dtype=np.int8)[classes]
    return 2 * np.tile(one_hot, (1, repeat)) - 1


def generate_on_chip(
    program: Any,
    target: str | ChipTarget,
    weights: np.ndarray,
    biases: np.ndarray,
    *,
    seed: int,
    classes: np.ndarray | None = None,
    n: int | None = None,
    quantised: bool = True,
    mismatch: bool | None = None,
) -> tuple[np.ndarray, CostCounter]:
    """Generate samples from noise on the emulated chip.

    Args:
        program: the compiled program.
        target: chip target, or its name or path.
        weights: float[T, m] trained weights.
        biases: float[T, n_grid] trained biases.
        seed: random seed of the chip's random source.
        classes: class index (position in the model's class list) per sample; label spins are then
            clamped to that class in every step. None samples labels freely.
        n: number of samples with free labels; ignored when `classes` is given.
        quantised: False runs exact float registers.
        mismatch: override the target's mismatch setting.

    Returns:
        uint8[N, V] final bits (image spins, then label spins) and the chip's operation counts.

    Raises:
        TargetError: if the model does not fit the chip or the parameters do not match it.
    """
    chip = target if isinstance(target, ChipTarget) else load_chip_target(target)
    build = build_for_chip(program, chip, weights=weights, biases=biases, quantised=quantised)
    spec, graph = program.spec, program.graph

    chains = int(n or 1) if classes is None else int(np.asarray(classes).shape[0])
    clamp = None
    if classes is not None:
        clamp = np.zeros((graph.n_visible, chains), dtype=np.int8)
        labels = _class_spins(np.asarray(classes), len(spec.data.classes), spec.labels.repeat)
        clamp[spec.data.image_spins :] = labels.T

    emulator = build.emulator(mismatch=mismatch)
    visible, _ = emulator.generate(
        chains, sweeps=build.sweeps, seed=seed, beta_start=build.beta_start, beta_end=build.beta_end, clamp_visible=clamp
    )
    joules = emulator.counter.joules(chip)["total"]
    logger.info("chip %s generated %d samples: %.3g J, %.3g s of chip time", chip.name, chains, joules, emulator.counter.seconds(chip))
    return ((visible.T + 1) // 2).astype(np.uint8), emulator.counter
