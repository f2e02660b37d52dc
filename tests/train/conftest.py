"""Shared set-up of the training tests."""

import jax
import pytest


@pytest.fixture(scope="module", autouse=True)
def compilation_cache(tmp_path_factory):
    """Reuse XLA executables across the runs of one module: each run rebuilds identical programs."""
    previous = {name: getattr(jax.config, name) for name in (
        "jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs", "jax_persistent_cache_min_entry_size_bytes")}
    jax.config.update("jax_compilation_cache_dir", str(tmp_path_factory.mktemp("xla-cache")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    yield
    for name, value in previous.items():
        jax.config.update(name, value)
