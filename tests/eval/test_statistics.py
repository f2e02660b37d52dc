"""Frechet distance and mixture statistics against closed forms."""

import numpy as np
import pytest

from dtmc.eval.statistics import class_feature_statistics, frechet_distance, mixture_statistics


def test_frechet_identical_gaussians_is_zero():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    cov = a @ a.T
    mean = rng.normal(size=6)
    assert frechet_distance(mean, cov, mean, cov) == pytest.approx(0.0, abs=1e-9)


def test_frechet_one_dimension_closed_form():
    """For scalars: (m1 - m2)^2 + (s1 - s2)^2 with standard deviations s1 = 2, s2 = 3."""
    distance = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]]))
    assert distance == pytest.approx(9.0 + 1.0)


def test_frechet_diagonal_closed_form():
    var1, var2 = np.array([1.0, 4.0, 0.0]), np.array([9.0, 1.0, 4.0])
    mean1, mean2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = np.sum((mean1 - mean2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    distance = frechet_distance(mean1, np.diag(var1), mean2, np.diag(var2))
    assert distance == pytest.approx(expected)


def test_frechet_rotated_covariance():
    """Rotating both covariances by one orthogonal matrix leaves the distance unchanged."""
    rng = np.random.default_rng(3)
    rotation, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    var1, var2 = np.array([1.0, 2.0, 3.0, 0.5]), np.array([2.0, 2.0, 1.0, 0.0])
    cov1 = rotation @ np.diag(var1) @ rotation.T
    cov2 = rotation @ np.diag(var2) @ rotation.T
    zero = np.zeros(4)
    expected = np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    assert frechet_distance(zero, cov1, zero, cov2) == pytest.approx(expected, rel=1e-9)


def test_mixture_matches_pooled_samples():
    """Equal-size classes: the mixture statistics equal those of all samples pooled."""
    rng = np.random.default_rng(1)
    rows = np.concatenate([rng.normal(loc=c, scale=1 + c, size=(400, 3)) for c in range(3)])
    labels = np.repeat(np.arange(3), 400)
    mean, cov, count = class_feature_statistics(rows, labels, n_classes=4)
    np.testing.assert_array_equal(count, [400, 400, 400, 0])

    mixed_mean, mixed_cov = mixture_statistics(mean, cov, [0, 1, 2])
    np.testing.assert_allclose(mixed_mean, rows.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(mixed_cov, np.cov(rows, rowvar=False, bias=True), rtol=1e-4)


def test_mixture_of_one_class_is_that_class():
    rng = np.random.default_rng(2)
    rows = rng.normal(size=(50, 2))
    mean, cov, _ = class_feature_statistics(rows, np.zeros(50, dtype=int), n_classes=2)
    mixed_mean, mixed_cov = mixture_statistics(mean, cov, [0])
    np.testing.assert_allclose(mixed_mean, mean[0], rtol=1e-6)
    np.testing.assert_allclose(mixed_cov, cov[0], rtol=1e-5, atol=1e-7)
