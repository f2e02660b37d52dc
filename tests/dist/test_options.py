"""Layout planning, command-line device options and the layout-invariant sampler, in this process."""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dtmc.backend.params import Moments
from dtmc.dist import (
    DistributedConfig,
    LayoutInvariantSampler,
    active_layout,
    add_device_arguments,
    jit_over_layout,
    plan_layout,
    plan_run_layout,
    start_processes,
    use_layout,
    writer_path,
)
from dtmc.errors import DtmcError


def parse(*arguments: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_device_arguments(parser)
    return parser.parse_args(list(arguments))


def test_plan_layout_one_device():
    layout = plan_layout(4, 64, 1)
    assert (layout.step_groups, layout.chain_shards) == (1, 1)
    assert layout.describe().startswith("layout: 1 cpu device, 4 step(s) x 64 chains")


@pytest.mark.parametrize("devices", [0, 2])
def test_plan_layout_rejects_missing_devices(devices):
    # This test process sees a single CPU device.
    with pytest.raises(DtmcError, match=f"invalid device count {devices}.*--devices between 1 and 1"):
        plan_layout(4, 64, devices)


def test_run_layout_defaults_to_all_devices():
    layout = plan_run_layout(parse(), n_steps=2, batch=64)
    assert layout.n_devices == jax.device_count()


def test_start_processes_without_coordinator_is_noop(monkeypatch):
    for name in ("DTMC_COORDINATOR", "DTMC_NUM_PROCESSES", "DTMC_PROCESS_ID"):
        monkeypatch.delenv(name, raising=False)
    config = start_processes(parse())
    assert not config.enabled


def test_start_processes_needs_coordinator(monkeypatch):
    monkeypatch.delenv("DTMC_COORDINATOR", raising=False)
    with pytest.raises(DtmcError, match="need a coordinator"):
        start_processes(parse("--num-processes", "2", "--process-id", "1"))


@pytest.mark.parametrize("address", ["localhost", "host:port", ":1234", "host:70000"])
def test_start_processes_rejects_bad_address(address):
    with pytest.raises(DtmcError, match=f"invalid coordinator address '{address}'"):
        start_processes(parse("--coordinator", address, "--num-processes", "2", "--process-id", "0"))


def test_start_processes_rejects_bad_rank():
    with pytest.raises(DtmcError, match="invalid process id 2: expected 0 to 1"):
        start_processes(parse("--coordinator", "127.0.0.1:1234", "--num-processes", "2", "--process-id", "2"))


def test_config_reads_environment(monkeypatch):
    monkeypatch.setenv("DTMC_COORDINATOR", "10.0.0.1:8476")
    monkeypatch.setenv("DTMC_NUM_PROCESSES", "4")
    monkeypatch.setenv("DTMC_PROCESS_ID", "3")
    config = DistributedConfig.from_environment()
    assert config == DistributedConfig("10.0.0.1:8476", 4, 3)


def test_config_rejects_non_integer_environment(monkeypatch):
    monkeypatch.setenv("DTMC_NUM_PROCESSES", "two")
    with pytest.raises(DtmcError, match="invalid DTMC_NUM_PROCESSES='two'"):
        DistributedConfig.from_environment()


def test_writer_path_is_unchanged_in_process_zero(tmp_path):
    assert writer_path(tmp_path / "run") == tmp_path / "run"


def test_use_layout_nests_and_restores():
    outer, inner = plan_layout(2, 8, 1), plan_layout(4, 8, 1)
    assert active_layout() is None
    with use_layout(outer):
        with use_layout(inner):
            assert active_layout() is inner
        with use_layout(None):
            assert active_layout() is outer
    assert active_layout() is None


def test_jit_over_layout_without_layout_is_plain_jit():
    doubled = jit_over_layout(lambda x, y: (2 * x, y), ("steps", "replicated"))
    result = doubled(jnp.arange(3.0), jnp.ones(2))
    np.testing.assert_array_equal(result[0], [0.0, 2.0, 4.0])


class FixedMomentsSampler:
    """Returns given node means, to check the rounding of `LayoutInvariantSampler`."""

    def __init__(self, node):
        self.node = jnp.asarray(node, jnp.float32)
        self.kernel_name = "fixed"

    def moments(self, params, coupling, state0, *, key, warmup, n_samples, spacing, beta):
        zeros = jnp.zeros(2, jnp.float32)
        return Moments(node=self.node, edge=zeros, edge_of_means=zeros)


def test_invariant_sampler_rounds_node_means():
    """Four samples of two chains: node means are multiples of 1/8; a 1e-7 error is removed."""
    sampler = LayoutInvariantSampler(FixedMomentsSampler([3 / 8 + 1e-7, -1 / 8 - 1e-7, 1.0]))
    state0 = jnp.ones((2, 5), jnp.int8)
    moments = sampler.moments(None, None, state0, key=None, warmup=0, n_samples=4, spacing=1, beta=1.0)
    np.testing.assert_array_equal(moments.node, np.array([3 / 8, -1 / 8, 1.0], np.float32))
    assert sampler.kernel_name == "fixed"
