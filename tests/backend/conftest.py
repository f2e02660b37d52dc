"""Shared settings of the backend tests: strict dtype promotion, as library code must not rely on it."""

import jax
import pytest


@pytest.fixture(autouse=True)
def _strict_promotion():
    with jax.numpy_dtype_promotion("strict"):
        yield
