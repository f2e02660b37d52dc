"""Generation on the emulated chip, with the same inputs and outputs as the JAX generator."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dtmc.chip.build import build_for_chip, load_chip_target
from dtmc.chip.energy import CostCounter
from dtmc.chip.target import ChipTarget

__all__ = ["ChipGenerator", "generate_on_chip"]

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
    seed: int | list[int],
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


class ChipGenerator:
    """Generation on the emulated chip behind the interface of `dtmc.train.generation.Generator`.

    It can replace the JAX generator wherever samples are drawn. The chip's random source is seeded
    from the JAX key's data, so one key gives the same samples on every run.

    Args:
        program: the compiled program.
        target: chip target, or its name or path.
        quantised: False runs exact float registers.
    """

    def __init__(self, program: Any, target: str | ChipTarget, *, quantised: bool = True):
        self.program = program
        self.target = target if isinstance(target, ChipTarget) else load_chip_target(target)
        self.quantised = quantised
        self.counter = CostCounter()

    def generate(self, weights: np.ndarray, biases: np.ndarray, *, key: Any, classes: np.ndarray | None = None, n: int | None = None, record: bool = False):
        """Denoise from fair coins down to x_0 on the chip; `Generator.generate` explains the arguments.

        Returns:
            A `Generated` with the final bits and the requested classes; frames are not recorded.
        """
        import jax

        from dtmc.train.generation import Generated

        seed = np.asarray(jax.random.key_data(key), dtype=np.uint32).ravel().tolist()
        if classes is not None:
            classes = np.asarray(classes, dtype=np.int64)
        bits, counter = generate_on_chip(
            self.program, self.target, weights, biases, seed=seed, classes=classes, n=n, quantised=self.quantised
        )
        self.counter.add(counter)
        requested = classes if classes is not None else np.full(bits.shape[0], -1, dtype=np.int64)
        return Generated(bits=bits, classes=requested, frames=None)

    def summary(self, samples: int) -> str:
        """Return one line with the chip time and energy per sample of everything generated so far."""
        joules = self.counter.joules(self.target)["total"]
        seconds = self.counter.seconds(self.target)
        return (
            f"chip {self.target.name}: {joules / samples * 1e9:.3f} nJ and {seconds / samples * 1e6:.2f} us "
            f"per sample ({self.counter.cell_updates} cell updates in all)"
        )
