"""`dtmc run` with device and multi-host options, end to end in child processes."""

from __future__ import annotations

import pytest

from dtmc.cli import main
from tests.dist._launch import finish, free_port, start

# Two steps and a batch of 200, so 4 devices form the mesh steps=2 x chains=2.
TINY_MODEL = """
model tiny_sharded {
  data     mnist_small  classes 0..1  downsample 4  encode binary threshold 0.5
  labels   one_hot repeat 2
  graph    grid 10 torus  pattern G8  place random seed 1
  diffuse  steps 2  schedule log  offset 0.1  rate image 0.9 label 0.2
  train    epochs 1  batch 200  warmup 10  samples 4 every 2
           adam lr 0.05 cosine alpha 0.2
           eval every 1  seed 0
  generate beta 0.8 -> 1.2 over 20 sweeps  per_class 8  labels clamped
  target   jax
}
"""

LAYOUT_LINE = "layout: 4 cpu devices as mesh steps=2 x chains=2; 1 step(s) per device group, 100 chains per device"


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "tiny.dtm"
    path.write_text(TINY_MODEL)
    return path


def test_run_rejects_too_many_devices(model_file, tmp_path, capsys):
    assert main(["run", str(model_file), "-o", str(tmp_path / "run"), "--devices", "3"]) == 2
    assert "invalid device count 3" in capsys.readouterr().err


def test_run_rejects_rank_without_coordinator(model_file, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DTMC_COORDINATOR", raising=False)
    assert main(["run", str(model_file), "-o", str(tmp_path / "run"), "--process-id", "1"]) == 2
    assert "need a coordinator" in capsys.readouterr().err


@pytest.mark.slow
def test_run_on_four_devices_logs_layout(model_file, tmp_path):
    run_dir = tmp_path / "run"
    output = finish(start(["-m", "dtmc", "run", str(model_file), "-o", str(run_dir), "--no-progress"], 4))
    assert LAYOUT_LINE in output
    assert LAYOUT_LINE in (run_dir / "log.txt").read_text()
    assert (run_dir / "checkpoints" / "epoch_001.ckpt").is_file()


@pytest.mark.slow
def test_run_two_processes_only_first_writes(model_file, tmp_path):
    """Two processes of 2 CPU devices each over 127.0.0.1: one run folder, from process 0."""
    run_dir = tmp_path / "run"
    port = free_port()
    processes = [
        start(["-m", "dtmc", "run", str(model_file), "-o", str(run_dir), "--no-progress",
               "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2", "--process-id", str(rank)], 2)
        for rank in range(2)
    ]
    outputs = [finish(process) for process in processes]

    assert all(LAYOUT_LINE.replace("4 cpu devices", "4 cpu devices in 2 processes") in o for o in outputs)
    assert f"run folder: {run_dir}" in outputs[0]
    assert f"run folder: {run_dir}" not in outputs[1]
    assert (run_dir / "checkpoints" / "epoch_001.ckpt").is_file()
    assert "trained to epoch 1" in outputs[1]
