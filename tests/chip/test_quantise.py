"""Quantisation: beta folding, scaling modes, rounding and clipping statistics."""

from __future__ import annotations

import numpy as np
import pytest

from dtmc.chip.quantise import quantise
from dtmc.chip.target import FixedPoint
from dtmc.errors import TargetError
from tests.chip._helpers import chip


def _fixed_chip():
    """Weights 4-bit over +-1 (LSB 1/8), biases 4-bit over +-2 (LSB 1/4), fixed scaling."""
    return chip(weights=FixedPoint(4, 1.0), biases=FixedPoint(4, 2.0), scale="fixed")


def test_exact_mode_keeps_floats():
    weights = np.array([[0.123, -0.456]])
    params = quantise(weights, np.array([[1.5]]), np.array([[0.1, 0.2, 0.3]]), chip(), beta=2.0, enabled=False)
    assert params.exact
    np.testing.assert_allclose(params.weights, 2.0 * weights)
    np.testing.assert_allclose(params.couplings, [[3.0]])
    assert params.stats == ()


def test_fixed_scale_codes():
    params = quantise(np.array([[0.25, -0.3, 2.0]]), np.array([[0.5]]), np.array([[0.5, -3.0]]), _fixed_chip())
    assert params.weights.tolist() == [[2, -2, 7]]
    assert params.couplings.tolist() == [[4]]
    assert params.biases.tolist() == [[2, -8]]
    assert (params.weight_factor, params.bias_factor) == (1, 2)
    assert params.field_unit[0] == pytest.approx(0.125)


def test_fixed_scale_statistics():
    params = quantise(np.array([[0.25, -0.3, 2.0]]), np.array([[0.5]]), np.array([[0.5, -3.0]]), _fixed_chip())
    stats = {s.kind: s for s in params.stats}
    assert (stats["weights"].clipped, stats["weights"].rounded) == (1, 1)
    assert stats["weights"].max_error == pytest.approx(2.0 - 7 / 8)
    assert (stats["biases"].clipped, stats["biases"].rounded) == (1, 0)
    assert stats["biases"].max_error == pytest.approx(1.0)
    assert (stats["couplings"].clipped, stats["couplings"].rounded) == (0, 0)


def test_field_values_decode_codes():
    params = quantise(np.array([[0.25, -0.3]]), np.array([[0.5]]), np.array([[0.5, -1.0]]), _fixed_chip())
    weights, couplings, biases = params.field_values(0)
    np.testing.assert_allclose(weights, [0.25, -0.25])
    np.testing.assert_allclose(couplings, [0.5])
    np.testing.assert_allclose(biases, [0.5, -1.0])


def test_max_scale_fills_range_without_clipping():
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 3.0, (2, 50))
    biases = rng.normal(0, 0.1, (2, 10))
    params = quantise(weights, np.zeros((2, 3)), biases, chip(), beta=1.5)
    assert all(s.clipped == 0 for s in params.stats)
    assert np.abs(params.weights).max(axis=1).tolist() == [127, 127]
    stored, _, _ = params.field_values(1)
    lsb = params.field_unit[1] * params.weight_factor
    assert np.abs(stored - 1.5 * weights[1]).max() <= lsb / 2 + 1e-12


def test_max_scale_follows_largest_coupling():
    params = quantise(np.array([[0.01]]), np.array([[2.0]]), np.array([[0.0]]), chip())
    assert params.couplings.tolist() == [[127]]
    assert params.weights.tolist() == [[1]]


def test_separate_coupling_format():
    """Couplings 4-bit over +-4 (LSB 1/2) beside weights 4-bit over +-1 (LSB 1/8): factor 4."""
    target = chip(weights=FixedPoint(4, 1.0), biases=FixedPoint(4, 2.0), couplings=FixedPoint(4, 4.0), scale="fixed")
    params = quantise(np.array([[0.25]]), np.array([[2.0, 5.0]]), np.array([[0.5]]), target)
    assert params.couplings.tolist() == [[4, 7]]
    assert (params.weight_factor, params.coupling_factor, params.bias_factor) == (1, 4, 2)
    np.testing.assert_allclose(params.field_values(0)[1], [2.0, 3.5])


def test_max_scale_with_coupling_format_keeps_weight_lsb():
    """A wide 8-bit +-32 coupling format stores J = 2 without setting the 4-bit weights' scale.

    Weights need scale 0.1 / (7 / 8) = 0.114 and J needs only 2 / (127 / 4) = 0.063, so the
    weights fill their range: 0.1 -> code 7, and J -> 2 / (0.114 / 4) = 70.
    """
    weights, couplings, biases = np.array([[0.1, -0.05]]), np.array([[2.0]]), np.array([[0.0]])
    shared = quantise(weights, couplings, biases, chip(weights=FixedPoint(4, 1.0)))
    separate = quantise(weights, couplings, biases, chip(weights=FixedPoint(4, 1.0), couplings=FixedPoint(8, 32.0)))
    assert shared.weights.tolist() == [[0, 0]]
    assert separate.weights.tolist() == [[7, -4]]
    assert separate.couplings.tolist() == [[70]]


def test_percentile_scale_clips_outliers():
    """99 weights of 0.1 and one of 10: the 98th percentile (0.1) fills the 4-bit range."""
    weights = np.full((1, 100), 0.1)
    weights[0, 0] = 10.0
    target = chip(weights=FixedPoint(4, 1.0), biases=FixedPoint(4, 1.0), scale="percentile", scale_percentile=98.0)
    params = quantise(weights, np.zeros((1, 1)), np.zeros((1, 1)), target)
    assert params.weights[0, 1] == 7
    assert params.weights[0, 0] == 7
    stats = {s.kind: s for s in params.stats}
    assert stats["weights"].clipped == 1
    assert stats["weights"].max_error == pytest.approx(10.0 - 0.1)


def test_percentile_100_equals_max():
    rng = np.random.default_rng(1)
    weights, biases = rng.normal(0, 1, (2, 30)), rng.normal(0, 1, (2, 5))
    by_max = quantise(weights, np.ones((2, 3)), biases, chip(scale="max"))
    by_percentile = quantise(weights, np.ones((2, 3)), biases, chip(scale="percentile", scale_percentile=100.0))
    np.testing.assert_array_equal(by_max.weights, by_percentile.weights)
    np.testing.assert_array_equal(by_max.field_unit, by_percentile.field_unit)


def test_beta_per_step():
    params = quantise(np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)), chip(), beta=np.array([1.0, 2.0]), enabled=False)
    assert params.weights[:, 0].tolist() == [1.0, 2.0]


def test_shape_mismatch_rejected():
    with pytest.raises(TargetError, match=r"weights has shape \(3, 4\), expected \(2, 4\)"):
        quantise(np.zeros((3, 4)), np.zeros((2, 1)), np.zeros((2, 1)), chip())


def test_lsb_ratio_not_power_of_two_rejected():
    target = chip(weights=FixedPoint(4, 1.0), biases=FixedPoint(4, 3.0))
    with pytest.raises(TargetError, match="bias LSB 0.375 is not a power of two times the finest LSB 0.125"):
        quantise(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), target)


def test_nan_rejected():
    with pytest.raises(TargetError, match="NaN or infinite"):
        quantise(np.array([[np.nan]]), np.zeros((1, 1)), np.zeros((1, 1)), chip())


def test_non_positive_beta_rejected():
    with pytest.raises(TargetError, match="beta must be positive"):
        quantise(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), chip(), beta=0.0)
