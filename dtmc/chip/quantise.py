"""Quantisation of a model's float parameters into a chip's signed fixed-point registers.

Inverse temperature is folded into the stored values: a register stores beta * w, so the chip's
cells compute P(s = +1) = sigmoid(2 h) from the local field h alone. The fixed input couplings
use the target's coupling format, which is the weight format unless the target gives its own;
biases have their own format. The local field is summed as integers in one accumulator unit, the
finest of the LSBs, and each code is multiplied by its format's LSB over that unit (a power of
two, which the target loader checks).

Scaling (`ChipTarget.scale`):

* `fixed`: the formats' ranges are used as written; values beyond them are clipped.
* `max`: per step, all formats are scaled by one common factor, the smallest at which nothing
  clips, so the largest value relative to its format's range fills that range.
* `percentile`: as `max`, but with the `scale_percentile` percentile of each kind's magnitudes in
  place of the largest value, so a few outliers clip and the rest get a finer LSB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.chip.target import ChipTarget, FixedPoint
from dtmc.errors import TargetError

__all__ = ["QuantStats", "ChipParams", "quantise"]


@dataclass(frozen=True)
class QuantStats:
    """Quantisation statistics of one register kind (weights, couplings or biases) of one step."""

    step: int
    kind: str
    count: int
    clipped: int
    """Values beyond the format's range, stored as the end code."""
    rounded: int
    """Values inside the range that no code represents exactly."""
    max_error: float
    """Largest |stored - wanted|, in units of the local field (beta folded in)."""
    lsb: float
    """Value of one code, in units of the local field."""


@dataclass(frozen=True, eq=False)
class ChipParams:
    """Per-step register contents for the emulator and the schedule.

    With `exact` set, the arrays hold float64 field values (beta folded in) and the unit is 1.
    Otherwise they hold integer codes, and a code's value in field units is
    `code * factor * field_unit[step]` with the weight or bias factor.

    Attributes:
        exact: whether quantisation was switched off.
        weights: [T, m] base-edge registers.
        couplings: [T, V] input-to-visible registers.
        biases: [T, n_grid] bias registers.
        weight_factor: accumulator units per weight code.
        coupling_factor: accumulator units per input-coupling code.
        bias_factor: accumulator units per bias code.
        field_unit: float64[T], value of one accumulator unit in field units.
        beta: float64[T], inverse temperature folded into each step's values.
        stats: per step and register kind, what was clipped and rounded.
    """

    exact: bool
    weights: np.ndarray
    couplings: np.ndarray
    biases: np.ndarray
    weight_factor: int
    bias_factor: int
    field_unit: np.ndarray
    beta: np.ndarray
    stats: tuple[QuantStats, ...]
    coupling_factor: int

    @property
    def n_steps(self) -> int:
        """Number of diffusion steps T."""
        return int(self.weights.shape[0])

    def field_values(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the stored (weights, couplings, biases) of `step` in field units, as float64."""
        if self.exact:
            return self.weights[step], self.couplings[step], self.biases[step]
        unit = self.field_unit[step]
        weight_value = self.weight_factor * unit
        coupling_value = self.coupling_factor * unit
        bias_value = self.bias_factor * unit
        return self.weights[step] * weight_value, self.couplings[step] * coupling_value, self.biases[step] * bias_value


def _as_steps(name: str, values: np.ndarray, n_steps: int, width: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = np.broadcast_to(array, (n_steps, array.shape[0]))
    if array.shape != (n_steps, width):
        raise TargetError(f"{name} has shape {array.shape}, expected ({n_steps}, {width}); pass one row per diffusion step")
    if not np.all(np.isfinite(array)):
        raise TargetError(f"{name} contains NaN or infinite values; quantise only finite, trained parameters")
    return array


def _magnitude(values: np.ndarray, percentile: float) -> float:
    """Return the `percentile` percentile of |values| (the maximum at 100), 0 for no values."""
    if values.size == 0:
        return 0.0
    return float(np.percentile(np.abs(values), percentile))


def _round(values: np.ndarray, fmt: FixedPoint, lsb: float) -> tuple[np.ndarray, int, int, float]:
    """Return codes and the clipped count, rounded count and largest error in field units."""
    ideal = values / lsb
    codes = np.clip(np.rint(ideal), fmt.min_code, fmt.max_code)
    clipped = int(np.count_nonzero((ideal > fmt.max_code + 0.5) | (ideal < fmt.min_code - 0.5)))
    error = np.abs(codes * lsb - values)
    rounded = int(np.count_nonzero(error > 1e-12 * np.maximum(1.0, np.abs(values)))) - clipped
    return codes.astype(np.int32), clipped, rounded, float(error.max(initial=0.0))


def quantise(
    weights: np.ndarray,
    couplings: np.ndarray,
    biases: np.ndarray,
    target: ChipTarget,
    *,
    beta: float | np.ndarray = 1.0,
    enabled: bool = True,
) -> ChipParams:
    """Fold beta into a model's parameters and round them to the chip's register formats.

    Args:
        weights: float[T, m] (or [m] for every step) base-edge couplings.
        couplings: float[T, V] fixed input couplings, as in `GraphArrays.coupling`.
        biases: float[T, n_grid] (or [n_grid]) biases of the grid nodes.
        target: the chip whose formats and scaling mode apply.
        beta: inverse temperature folded into every value; a scalar or one value per step.
        enabled: False keeps exact float values (for bit-exact comparison with float samplers).

    Returns:
        The register contents and per-step statistics.

    Raises:
        TargetError: if shapes disagree or a value is not finite.
    """
    n_steps = np.asarray(couplings).shape[0]
    weights = _as_steps("weights", weights, n_steps, np.asarray(weights).shape[-1])
    couplings = _as_steps("couplings", couplings, n_steps, np.asarray(couplings).shape[-1])
    biases = _as_steps("biases", biases, n_steps, np.asarray(biases).shape[-1])
    beta_steps = np.broadcast_to(np.asarray(beta, dtype=np.float64), (n_steps,)).copy()
    if np.any(beta_steps <= 0):
        raise TargetError(f"beta must be positive, got {beta_steps.tolist()}")

    folded_w = weights * beta_steps[:, None]
    folded_j = couplings * beta_steps[:, None]
    folded_b = biases * beta_steps[:, None]
    if not enabled:
        return ChipParams(
            exact=True,
            weights=folded_w,
            couplings=folded_j,
            biases=folded_b,
            weight_factor=1,
            bias_factor=1,
            field_unit=np.ones(n_steps),
            beta=beta_steps,
            stats=(),
            coupling_factor=1,
        )

    coupling_format = target.coupling_format
    weight_lsb, coupling_lsb, bias_lsb = target.weights.lsb, coupling_format.lsb, target.biases.lsb
    unit = min(weight_lsb, coupling_lsb, bias_lsb)
    weight_factor, coupling_factor, bias_factor = (round(lsb / unit) for lsb in (weight_lsb, coupling_lsb, bias_lsb))
    for name, lsb, factor in (("weight", weight_lsb, weight_factor), ("coupling", coupling_lsb, coupling_factor), ("bias", bias_lsb, bias_factor)):
        if abs(lsb / unit - factor) > 1e-9 * factor or factor & (factor - 1):
            raise TargetError(
                f"{name} LSB {lsb:g} is not a power of two times the finest LSB {unit:g}, so codes cannot be "
                f"summed as integers; choose register ranges whose range / 2**(bits-1) differ by 1, 2, 4, ..."
            )

    codes_w, codes_j, codes_b = [], [], []
    field_unit = np.empty(n_steps)
    stats: list[QuantStats] = []
    for step in range(n_steps):
        scale = 1.0
        if target.scale != "fixed":
            # Without a coupling format of their own, a large input coupling J (about 2 for label
            # spins in early steps) sets the weight LSB and coarsens small trained weights.
            percentile = 100.0 if target.scale == "max" else target.scale_percentile
            need = max(
                _magnitude(folded_w[step], percentile) / (target.weights.max_code * weight_lsb),
                _magnitude(folded_j[step], percentile) / (coupling_format.max_code * coupling_lsb),
                _magnitude(folded_b[step], percentile) / (target.biases.max_code * bias_lsb),
            )
            scale = need if need > 0 else 1.0
        field_unit[step] = unit * scale

        for kind, values, fmt, lsb, out in (
            ("weights", folded_w[step], target.weights, weight_lsb * scale, codes_w),
            ("couplings", folded_j[step], coupling_format, coupling_lsb * scale, codes_j),
            ("biases", folded_b[step], target.biases, bias_lsb * scale, codes_b),
        ):
            codes, clipped, rounded, error = _round(values, fmt, lsb)
            out.append(codes)
            stats.append(QuantStats(step, kind, int(values.size), clipped, rounded, error, lsb))

    return ChipParams(
        exact=False,
        weights=np.stack(codes_w),
        couplings=np.stack(codes_j),
        biases=np.stack(codes_b),
        weight_factor=weight_factor,
        bias_factor=bias_factor,
        field_unit=field_unit,
        beta=beta_steps,
        stats=tuple(stats),
        coupling_factor=coupling_factor,
    )
