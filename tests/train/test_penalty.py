"""Adaptive correlation penalty rule against hand-computed cases."""

import math

import numpy as np
import pytest

from dtmc.spec import PenaltySpec
from dtmc.train.penalty import adapt_penalty, initial_penalty, update_penalty

THRESHOLD, FLOOR = 0.01, 0.001

# (cp, a, previous a, expected new cp), worked by hand with theta = 0.01, m = 0.001.
CASES = [
    # a < theta: cp * (0.6 + 0.2 * a / theta)
    pytest.param(0.1, 0.005, 0.02, 0.1 * 0.7, id="below-threshold-half"),
    pytest.param(0.1, 0.0, 0.02, 0.06, id="below-threshold-zero"),
    # cp first raised to the floor, then 0.001 * 0.6 = 0.0006 < m switches it off
    pytest.param(0.0, 0.0, math.nan, 0.0, id="below-threshold-off"),
    # a >= theta and rose: * 1.2, or * 1.5 once a >= 1.8 theta
    pytest.param(0.1, 0.015, 0.012, 0.12, id="rose-moderately"),
    pytest.param(0.1, 0.017, 0.012, 0.12, id="rose-below-1.8-theta"),
    pytest.param(0.1, 0.0185, 0.012, 0.15, id="rose-past-1.8-theta"),
    pytest.param(0.1, 0.05, 0.04, 0.15, id="rose-far-above"),
    # zero cp is raised to the floor before growing
    pytest.param(0.0, 0.02, 0.01, 0.0015, id="rose-from-zero"),
    # a >= theta and did not rise: * 0.95
    pytest.param(0.1, 0.015, 0.02, 0.095, id="fell-above-threshold"),
    pytest.param(0.1, 0.015, 0.015, 0.095, id="unchanged-above-threshold"),
    # no previous measurement counts as not risen
    pytest.param(0.1, 0.03, math.nan, 0.095, id="first-epoch"),
    # 0.00104 * 0.95 = 0.000988 < m switches off
    pytest.param(0.00104, 0.015, 0.02, 0.0, id="decays-below-floor"),
]


@pytest.mark.parametrize("strength, autocorrelation, previous, expected", CASES)
def test_adapt_penalty_table(strength, autocorrelation, previous, expected):
    result = adapt_penalty(strength, autocorrelation, previous, threshold=THRESHOLD, floor=FLOOR)
    assert result == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_update_penalty_adapts_each_step():
    spec = PenaltySpec(kind="adaptive", values=(0.1,), threshold=THRESHOLD, floor=FLOOR)
    state = initial_penalty(spec, 2)
    state = update_penalty(state, spec, np.array([0.005, 0.03]))
    np.testing.assert_allclose(state.strength, [0.07, 0.095])
    np.testing.assert_allclose(state.last_autocorrelation, [0.005, 0.03])

    state = update_penalty(state, spec, np.array([0.005, 0.04]))
    np.testing.assert_allclose(state.strength, [0.049, 0.1425])


@pytest.mark.parametrize("kind", ["none", "fixed"])
def test_update_penalty_static_kinds(kind):
    spec = PenaltySpec(kind=kind, values=(0.2, 0.3))
    state = update_penalty(initial_penalty(spec, 2), spec, np.array([0.5, 0.5]))
    expected = [0.0, 0.0] if kind == "none" else [0.2, 0.3]
    np.testing.assert_allclose(state.strength, expected)
