"""The run, sample and report commands, end to end on a tiny model of the embedded MNIST subset."""

import json

import pytest

from dtmc.cli import main

TINY_MODEL = """
model tiny_mnist {
  data     mnist_small  classes 0..1  downsample 4  encode binary threshold 0.5
  labels   one_hot repeat 2
  graph    grid 10 torus  pattern G8  place random seed 1
  diffuse  steps 2  schedule log  offset 0.1  rate image 0.9 label 0.2
  train    epochs 2  batch 200  warmup 10  samples 4 every 2
           adam lr 0.05 cosine alpha 0.2
           penalty adaptive threshold 0.016 floor 0.001
           eval every 1  seed 0
  generate beta 0.8 -> 1.2 over 20 sweeps  per_class 8  labels clamped
  target   jax
}
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "tiny.dtm"
    path.write_text(TINY_MODEL)
    return path


def test_report_of_model_file(model_file, capsys):
    assert main(["report", str(model_file)]) == 0
    output = capsys.readouterr().out
    assert "nodes                  120 (100 grid + 20 inputs)" in output
    assert "per generated sample" in output


def test_sample_rejects_missing_run(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "nothing")]) == 2
    assert "is not a run folder" in capsys.readouterr().err


def test_resume_rejects_folder_without_run(tmp_path, capsys):
    assert main(["run", "--resume", str(tmp_path)]) == 2
    assert "is not a run folder" in capsys.readouterr().err


def test_sample_rejects_bad_steps_from(tmp_path, capsys):
    (tmp_path / "program.dtmp").write_bytes(b"")
    assert main(["sample", str(tmp_path), "--steps-from", "zero=x.ckpt"]) == 2


@pytest.mark.slow
def test_run_sample_report_resume(model_file, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", str(model_file), "-o", str(run_dir), "--no-progress"]) == 0
    output = capsys.readouterr().out
    assert "accuracy" in output
    assert "trained to epoch 2" in output

    for name in ("log.txt", "model.dtm", "resolved.yaml", "program.dtmp", "metrics.jsonl", "denoising.gif",
                 "fid.png", "autocorrelation.png", "checkpoints/epoch_002.ckpt", "checkpoints/latest",
                 "images/epoch_002_clamped.png", "images/epoch_001_free.png"):
        assert (run_dir / name).is_file(), name
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert 0.0 <= records[-1]["accuracy"] <= 1.0

    assert main(["sample", str(run_dir), "--class", "1", "--n", "4", "-o", str(tmp_path / "ones.png")]) == 0
    assert (tmp_path / "ones.png").is_file()
    assert main(["report", str(run_dir)]) == 0
    assert "history" in capsys.readouterr().out

    assert main(["run", "--resume", str(run_dir), "--epochs", "3", "--no-progress"]) == 0
    assert (run_dir / "checkpoints/epoch_003.ckpt").is_file()
