"""Results on 1 and 4 forced CPU devices agree; checkpoints move between device counts.

The 4-device run lays the 2-step tiny model out as mesh steps=2 x chains=2, so both the step
split and the chain split (with its cross-device sums) are exercised. Each device count needs its
own process, because JAX fixes the count when it starts.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.dist._launch import finish, free_port, start

KERNELS = ("grid", "generic")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run the worker on 4 devices and, at the same time, on 1 device resuming from the 4-device checkpoint."""
    four = tmp_path_factory.mktemp("four_devices")
    one = tmp_path_factory.mktemp("one_device")
    workers = [
        start(["-m", "tests.dist._worker", str(four)], 4),
        start(["-m", "tests.dist._worker", str(one), "--resume", str(four / "epoch_001.ckpt")], 1),
    ]
    for worker in workers:
        finish(worker)
    return {
        "moments_1": np.load(one / "moments.npz"),
        "moments_4": np.load(four / "moments.npz"),
        "train_1": np.load(one / "train_0.npz"),
        "train_4": np.load(four / "train_0.npz"),
    }


def test_four_devices_split_steps_and_chains(runs):
    assert int(runs["train_4"]["n_devices"]) == 4
    assert int(runs["train_4"]["chain_shards"]) == 2


@pytest.mark.parametrize("kernel", KERNELS)
def test_moments_match_one_device(runs, kernel):
    one, four = runs["moments_1"], runs["moments_4"]
    name = f"{kernel}_raw"

    # Edge sums add +-1 products, exact in float32 however they are split.
    np.testing.assert_array_equal(four[f"{name}_edge"], one[f"{name}_edge"])
    np.testing.assert_allclose(four[f"{name}_node"], one[f"{name}_node"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(four[f"{name}_edge_of_means"], one[f"{name}_edge_of_means"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("kernel", KERNELS)
def test_invariant_node_means_identical(runs, kernel):
    one, four = runs["moments_1"], runs["moments_4"]
    np.testing.assert_array_equal(four[f"{kernel}_invariant_node"], one[f"{kernel}_invariant_node"])


@pytest.mark.parametrize("kernel", KERNELS)
def test_chain_sums_become_all_reduces(runs, kernel):
    assert int(runs["moments_1"][f"{kernel}_raw_all_reduce"]) == 0
    assert int(runs["moments_4"][f"{kernel}_raw_all_reduce"]) > 0


@pytest.mark.parametrize("epoch", [1, 2])
def test_parameters_match_one_device(runs, epoch):
    one, four = runs["train_1"], runs["train_4"]
    np.testing.assert_allclose(four[f"weights_{epoch}"], one[f"weights_{epoch}"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(four[f"biases_{epoch}"], one[f"biases_{epoch}"], rtol=0, atol=1e-6)


def test_sharded_update_traced_once(runs):
    assert int(runs["train_4"]["update_traces"]) == 1
    assert int(runs["train_4"]["all_reduce"]) > 0


def test_four_device_checkpoint_resumes_on_one(runs):
    """Epoch 2 from the 4-device checkpoint equals epoch 2 of the uninterrupted 1-device run."""
    one = runs["train_1"]
    np.testing.assert_allclose(one["resumed_weights"], one["weights_2"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(one["resumed_biases"], one["biases_2"], rtol=0, atol=1e-6)


@pytest.mark.slow
def test_two_processes_match_one(runs, tmp_path):
    """Two processes of 2 CPU devices each, joined over loopback, train like one device."""
    port = free_port()
    options = ["--skip-moments", "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2"]
    workers = [start(["-m", "tests.dist._worker", str(tmp_path), *options, "--process-id", str(i)], 2) for i in range(2)]
    for worker in workers:
        finish(worker)

    one = runs["train_1"]
    for process in range(2):
        result = np.load(tmp_path / f"train_{process}.npz")
        assert int(result["n_devices"]) == 4
        np.testing.assert_allclose(result["weights_2"], one["weights_2"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(result["biases_2"], one["biases_2"], rtol=0, atol=1e-6)
    assert (tmp_path / "epoch_001.ckpt").is_file()
