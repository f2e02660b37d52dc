"""The sampling cell's response curve as an integer table, and its seeded per-cell mismatch."""

from __future__ import annotations

import math

import numpy as np

from dtmc.chip.target import Mismatch

__all__ = ["response_table", "saturation_field", "cell_mismatch"]


def saturation_field(unit: float, resolution_bits: int) -> int:
    """Return the smallest integer field beyond which every threshold is 0 or 2**R.

    sigmoid(2 x) * 2**R rounds to 2**R once exp(-2 x) < 2**-(R+1), i.e. x > (R + 1) ln 2 / 2.

    Args:
        unit: value of one integer field step, in field units.
        resolution_bits: R, bits of the random integer.
    """
    return math.ceil((resolution_bits + 1) * math.log(2.0) / (2.0 * unit)) + 1


def response_table(max_field: int, unit: float, resolution_bits: int) -> tuple[np.ndarray, int]:
    """Tabulate the cell's thresholds round(sigmoid(2 h unit) * 2**R) for h in -limit..limit.

    A cell compares a uniform random integer u in 0..2**R - 1 with the threshold of its field h and
    outputs +1 when u < threshold, so P(+1) = threshold / 2**R, within 2**-(R+1) of the sigmoid.
    Fields beyond `limit` are clipped to it, which changes nothing because the table is saturated.

    Args:
        max_field: largest |h| the cells can reach; the table never grows beyond it.
        unit: value of one field step in field units (beta and annealing folded in).
        resolution_bits: R.

    Returns:
        int32[2 * limit + 1] thresholds and `limit`.
    """
    limit = max(1, min(max_field, saturation_field(unit, resolution_bits)))
    fields = np.arange(-limit, limit + 1, dtype=np.float64) * unit
    probability = 0.5 * (1.0 + np.tanh(fields))
    return np.rint(probability * 2**resolution_bits).astype(np.int32), limit


def cell_mismatch(mismatch: Mismatch, chip_side: int, *, enabled: bool) -> tuple[np.ndarray, np.ndarray]:
    """Draw every chip cell's gain and offset, seeded so a chip keeps its errors between runs.

    A cell with gain g and offset o samples with P(+1) = sigmoid(2 beta' (g h + o)); the offset is
    referred to the field, so it is in the same units as h. The uniform distribution is scaled to
    the same standard deviation as the normal one.

    Args:
        mismatch: the target's mismatch description.
        chip_side: side of the chip grid.
        enabled: False returns gain 1 and offset 0 for every cell.

    Returns:
        float64[chip_side**2] gains and offsets, indexed by chip cell `x * chip_side + y`.
    """
    cells = chip_side * chip_side
    if not enabled:
        return np.ones(cells), np.zeros(cells)

    rng = np.random.default_rng(mismatch.seed)
    if mismatch.distribution == "normal":
        noise = rng.standard_normal((2, cells))
    else:
        noise = rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), (2, cells))
    return 1.0 + mismatch.gain_sigma * noise[0], mismatch.offset_sigma * noise[1]
