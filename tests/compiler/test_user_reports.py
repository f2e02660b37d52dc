"""Compiler and artifact defects found by trying bad outputs and edited programs as a new user would."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from dtmc.cli import main
from dtmc.compiler import compile_model
from dtmc.errors import ProgramError
from dtmc.program.artifact import content_hash, load_program, save_program

MODEL = "model m { data mnist downsample 4  labels one_hot repeat 1  graph grid 12 torus pattern G8  diffuse steps 2 }"


@pytest.fixture
def model_file(tmp_path):
    """Write the small test model and return its path."""
    path = tmp_path / "m.dtm"
    path.write_text(MODEL)
    return path


def test_output_folder_is_rejected(model_file, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["compile", str(model_file), "-o", str(folder)]) == 2
    assert "it is a folder" in capsys.readouterr().err
    assert os.listdir(folder) == []


def test_output_pipe_is_not_replaced(model_file, tmp_path, capsys):
    pipe = tmp_path / "pipe.dtmp"
    os.mkfifo(pipe)
    assert main(["compile", str(model_file), "-o", str(pipe)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert not pipe.is_file()
    assert sorted(os.listdir(tmp_path)) == ["m.dtm", "pipe.dtmp"]


def test_unwritable_export_exits_2(model_file, tmp_path, capsys):
    (tmp_path / "m.step0.dot").mkdir()
    assert main(["compile", str(model_file), "-o", str(tmp_path / "m.dtmp"), "--emit", "dot"]) == 2
    assert "cannot write dot export" in capsys.readouterr().err
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_warnings_print_without_python_location(model_file, capsys):
    model_file.write_text(MODEL.replace("grid 12", "grid 40"))
    assert main(["compile", str(model_file)]) == 0
    err = capsys.readouterr().err
    assert "warning: visible spins fill" in err
    assert "UserWarning" not in err
    assert "load_model(" not in err


def _rewrite(path, name: str, array: np.ndarray) -> None:
    """Replace one array of a program and store a matching content hash, as an editing user could."""
    with zipfile.ZipFile(path) as archive:
        entries = {entry: archive.read(entry) for entry in archive.namelist()}
    buffer = io.BytesIO()
    np.save(buffer, array)
    entries[name] = buffer.getvalue()
    manifest = json.loads(entries.pop("manifest.json"))
    manifest["content_hash"] = content_hash(manifest, list(entries.items()))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for entry, data in entries.items():
            archive.writestr(entry, data)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("graph/edges.npy", lambda program: np.zeros(3, np.int32)),
        ("graph/edges.npy", lambda program: np.full_like(program.graph.edges, 10**6)),
        ("graph/visible_node.npy", lambda program: np.full_like(program.graph.visible_node, 10**6)),
        ("graph/coupling.npy", lambda program: program.graph.coupling[:1]),
        ("params/init_weights.npy", lambda program: program.init_weights[:, :5]),
        ("schedule/generate_free.npy", lambda program: np.zeros(3, bool)),
        ("blocks/000.npy", lambda program: program.blocks[0] + 10**6),
    ],
    ids=["edges-shape", "edges-range", "visible-range", "coupling-steps", "weights-shape", "mask-shape",
         "block-range"],
)
def test_rehashed_inconsistent_program_is_rejected(model_file, tmp_path, name, make):
    from dtmc.lang import load_model

    program = compile_model(load_model(model_file))
    path = save_program(program, tmp_path / "m.dtmp")
    _rewrite(path, name, make(program))
    with pytest.raises(ProgramError, match="truncated or corrupted"):
        load_program(path)


def test_print_after_pass_of_another_target(model_file, tmp_path, capsys):
    status = main(["compile", str(model_file), "-o", str(tmp_path / "m.dtmp"), "--print-after", "fit"])
    assert status == 2
    assert "does not run for target 'jax'" in capsys.readouterr().err
    assert not (tmp_path / "m.dtmp").exists()


@pytest.mark.parametrize(
    ("options", "words"),
    [(["--step", "3"], "has no effect without --emit"), (["-o", ""], "need a value"), (["--target", ""], "need a value")],
)
def test_ignored_compile_options_are_rejected(model_file, capsys, options, words):
    assert main(["compile", str(model_file), *options]) == 2
    assert words in capsys.readouterr().err
    assert not model_file.with_suffix(".dtmp").exists()
