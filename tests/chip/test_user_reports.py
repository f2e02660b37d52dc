"""Chip command defects found by giving dtmc schedule bad output paths as a new user would."""

import pytest

from dtmc.cli import main
from dtmc.resources import targets_dir

MODEL = "model m { data mnist_small downsample 4  labels one_hot repeat 1  graph grid 12 torus pattern G12  diffuse steps 2 }"


@pytest.mark.parametrize("name", ["notes.txt/chip.json", "folder"])
def test_schedule_output_blocked_exits_2(tmp_path, capsys, name):
    model = tmp_path / "m.dtm"
    model.write_text(MODEL)
    target = tmp_path / "chip12.yaml"
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "folder").mkdir()
    text = (targets_dir() / "chip30_g12.yaml").read_text()
    target.write_text(text.replace("side: 30", "side: 12"))

    assert main(["schedule", str(model), "--target", str(target), "-o", str(tmp_path / name)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert not list((tmp_path / "folder").iterdir())
