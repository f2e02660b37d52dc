"""Run-time command defects found by giving run, sample and report bad paths and files as a new user would."""

import json

import numpy as np
import pytest

from dtmc.cli import main

MODEL = """
model tiny {
  data     mnist_small  classes 0..1  downsample 4  encode binary threshold 0.5
  labels   one_hot repeat 2
  graph    grid 10 torus  pattern G8  place random seed 1
  diffuse  steps 2
  train    epochs 1  batch 200  warmup 4  samples 2 every 2  eval every 1
  generate beta 0.8 -> 1.2 over 4 sweeps  per_class 2
}
"""


@pytest.fixture
def model_file(tmp_path):
    """Write the tiny model and return its path."""
    path = tmp_path / "tiny.dtm"
    path.write_text(MODEL)
    return path


@pytest.fixture
def compiled_run(model_file, tmp_path):
    """Return a folder holding only a compiled program, as a run folder has before its first checkpoint."""
    folder = tmp_path / "run"
    folder.mkdir()
    assert main(["compile", str(model_file), "-o", str(folder / "program.dtmp")]) == 0
    return folder


@pytest.mark.parametrize("below", ["", "sub"])
def test_run_output_under_file_exits_2(model_file, tmp_path, capsys, below):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    output = blocker / below if below else blocker
    assert main(["run", str(model_file), "-o", str(output), "--no-progress"]) == 2
    assert "cannot create run folder" in capsys.readouterr().err
    assert blocker.read_text() == "keep me"


def test_report_with_garbled_metrics_exits_2(compiled_run, capsys):
    (compiled_run / "metrics.jsonl").write_text('{"epoch": 1}\n{bad json\n')
    assert main(["report", str(compiled_run)]) == 2
    err = capsys.readouterr().err
    assert "metrics.jsonl line 2" in err
    assert "--resume" in err


def test_report_with_record_without_epoch_exits_2(compiled_run, capsys):
    (compiled_run / "metrics.jsonl").write_text('[1, 2]\n')
    assert main(["report", str(compiled_run)]) == 2
    assert "metrics.jsonl line 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["notes.txt/grid.png", "folder"])
def test_image_output_path_blocked_raises(tmp_path, name):
    from dtmc.errors import DtmcError
    from dtmc.eval import save_image_grid

    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "folder").mkdir()
    with pytest.raises(DtmcError, match="cannot write"):
        save_image_grid(tmp_path / name, np.zeros((1, 1, 4, 4)))
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "notes.txt"]



def test_free_grid_of_four_samples(model_file, tmp_path):
    from types import SimpleNamespace

    from dtmc.compiler import compile_model
    from dtmc.lang import load_model
    from dtmc.train.run_folder import RunFolder
    from dtmc.train.session import _write_pictures

    program = compile_model(load_model(model_file))
    folder = RunFolder(tmp_path / "run")
    folder.create(program.spec)
    bits = np.ones((4, program.graph.n_visible), dtype=np.uint8)
    evaluation = SimpleNamespace(clamped=SimpleNamespace(bits=bits), free=SimpleNamespace(bits=bits))
    _write_pictures(folder, program, 1, evaluation)
    assert (folder.images / "epoch_001_free.png").is_file()


@pytest.mark.slow
def test_run_with_fewer_than_8_samples(model_file, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", str(model_file), "-o", str(run_dir), "--no-progress"]) == 0
    assert (run_dir / "images" / "epoch_001_free.png").is_file()
    assert (run_dir / "checkpoints" / "latest").read_text().strip() == "epoch_001.ckpt"


def test_resume_uses_given_checkpoint_file(compiled_run, capsys):
    chosen = compiled_run / "checkpoints" / "epoch_000.ckpt"
    chosen.parent.mkdir()
    chosen.write_bytes(b"not a checkpoint")
    assert main(["run", "--resume", str(chosen), "--no-progress"]) == 2
    assert f"{chosen} is not a dtmc checkpoint" in capsys.readouterr().err


def test_resume_checkpoint_outside_run_exits_2(tmp_path, capsys):
    stray = tmp_path / "epoch_001.ckpt"
    stray.write_bytes(b"DTMC-CHECKPOINT 1\n")
    assert main(["run", "--resume", str(stray)]) == 2
    assert "is not in the checkpoints folder of a run" in capsys.readouterr().err


@pytest.mark.slow
def test_resume_from_earlier_checkpoint_file(model_file, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", str(model_file), "-o", str(run_dir), "--no-progress"]) == 0
    latest = run_dir / "checkpoints" / "epoch_001.ckpt"
    latest.write_bytes(latest.read_bytes()[:1000])
    assert main(["run", "--resume", str(run_dir), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "is corrupted or truncated" in err
    assert "--resume RUN_DIR/checkpoints/epoch_NNN.ckpt" in err

    assert main(["run", "--resume", str(run_dir / "checkpoints" / "epoch_000.ckpt"), "--no-progress"]) == 0
    assert "trained to epoch 1" in capsys.readouterr().out
    assert (run_dir / "checkpoints" / "latest").read_text().strip() == "epoch_001.ckpt"
    assert len(latest.read_bytes()) > 1000


@pytest.fixture
def run_with_overrides(model_file, tmp_path):
    """Return a folder with a program compiled with `--set train.batch=50`, as `dtmc run --set` saves it."""
    from dtmc.compiler import compile_model
    from dtmc.lang import load_model
    from dtmc.program.artifact import save_program

    folder = tmp_path / "run"
    folder.mkdir()
    save_program(compile_model(load_model(model_file, ["train.batch=50"])), folder / "program.dtmp")
    return folder


def test_program_override_keeps_earlier_overrides(run_with_overrides):
    from dtmc.train.inputs import load_program_input

    program = load_program_input(run_with_overrides / "program.dtmp", ["train.lr=0.01"])
    assert program.spec.train.batch == 50
    assert program.spec.train.lr == (0.01,)


@pytest.mark.parametrize("override", ["train.batch=20", "train.seed=3", "train.epochs=5"])
def test_resume_changing_fixed_setting_exits_2(run_with_overrides, capsys, override):
    assert main(["run", "--resume", str(run_with_overrides), "--set", override, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"--resume cannot change {override.split('=')[0]} " in err
    assert "train.batch" not in err or override.startswith("train.batch")


def test_resume_with_other_model_file_exits_2(run_with_overrides, model_file, capsys):
    assert main(["run", str(model_file), "--resume", str(run_with_overrides), "--no-progress"]) == 2
    assert "--resume cannot change train.batch 50 -> 200" in capsys.readouterr().err


def test_atomic_write_uses_umask_mode(tmp_path):
    import os

    from dtmc.train.checkpoint import atomic_write

    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "metrics.jsonl", b"{}\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "metrics.jsonl").stat().st_mode & 0o777 == 0o644


def test_run_output_nonempty_folder_exits_2(model_file, tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")

    status = main(["run", str(model_file), "-o", str(folder)])

    assert status == 2
    assert "is not empty and contains no run" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
