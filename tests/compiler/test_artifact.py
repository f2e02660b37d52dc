"""Tests of the program artifact: reproducible bytes, round trip and rejection of bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from dtmc.compiler import INIT_WEIGHT_STD, compile_model
from dtmc.errors import ProgramError
from dtmc.program.artifact import FORMAT_VERSION, load_program, save_program


@pytest.fixture
def saved(make_spec, tmp_path):
    """A compiled tiny program and the path it was saved to."""
    program = compile_model(make_spec(side=12))
    path = save_program(program, tmp_path / "tiny.dtmp")
    return program, path


def test_artifact_byte_identical_twice(make_spec, tmp_path):
    first = save_program(compile_model(make_spec(side=12)), tmp_path / "a.dtmp")
    second = save_program(compile_model(make_spec(side=12)), tmp_path / "b.dtmp")

    assert first.read_bytes() == second.read_bytes()


def test_artifact_changes_with_seed(make_spec, tmp_path):
    first = save_program(compile_model(make_spec(side=12, place_seed=1)), tmp_path / "a.dtmp")
    second = save_program(compile_model(make_spec(side=12, place_seed=2)), tmp_path / "b.dtmp")

    assert first.read_bytes() != second.read_bytes()


def test_artifact_round_trip(saved):
    program, path = saved

    loaded = load_program(path)

    assert loaded.spec == program.spec
    assert loaded.manifest == program.manifest
    for name in ("role", "cell", "colour", "visible_node", "edges", "edge_direction", "coupling"):
        assert np.array_equal(getattr(loaded.graph, name), getattr(program.graph, name)), name
        assert getattr(loaded.graph, name).dtype == getattr(program.graph, name).dtype, name
    assert loaded.schedule.keys() == program.schedule.keys()
    for phase in program.schedule:
        assert np.array_equal(loaded.schedule[phase], program.schedule[phase])
    assert len(loaded.blocks) == len(program.blocks)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.blocks, program.blocks))
    assert np.array_equal(loaded.init_weights, program.init_weights)
    assert loaded.sizes() == program.sizes()
    loaded.graph.validate()


def test_manifest_contents(saved):
    program, _ = saved
    manifest = program.manifest

    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["source_text"] == "# tiny test model\n"
    assert len(manifest["source_sha256"]) == 64
    assert manifest["passes"] == ["topology", "placement", "coupling", "colouring", "schedule", "lower"]
    assert manifest["seeds"] == {"model": 0, "placement": 0, "train": 0}
    assert [s["base_edges"] for s in manifest["steps"]] == [program.n_edges] * program.n_steps
    assert manifest["colours"]["count"] == 2
    assert len(manifest["content_hash"]) == 64


def test_initial_parameters(make_spec):
    program = compile_model(make_spec(side=24, steps=3))

    assert program.init_weights.shape == (3, program.n_edges)
    assert program.init_weights.dtype == np.float32
    assert program.init_biases.shape == (3, 24 * 24)
    assert not program.init_biases.any()
    assert program.init_weights.std() == pytest.approx(INIT_WEIGHT_STD, rel=0.05)
    assert abs(program.init_weights.mean()) < 3 * INIT_WEIGHT_STD / np.sqrt(program.init_weights.size)


def test_initial_parameters_follow_model_seed(make_spec):
    first = compile_model(make_spec(seed=1)).init_weights

    assert np.array_equal(first, compile_model(make_spec(seed=1)).init_weights)
    assert not np.array_equal(first, compile_model(make_spec(seed=2)).init_weights)


def test_truncated_artifact_rejected(saved):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ProgramError, match=r"tiny\.dtmp is truncated or corrupted.*dtmc compile"):
        load_program(path)


@pytest.mark.parametrize("entry", ["manifest.json", "graph/edges.npy", "params/init_weights.npy"])
def test_corrupted_artifact_rejected(saved, entry):
    """Flip one byte in the middle of an entry's stored data."""
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(entry)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(ProgramError, match="truncated or corrupted"):
        load_program(path)


def _rewrite_manifest(path, change):
    """Rewrite the manifest of the zip at `path` with `change(manifest)`, keeping every other entry."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(entries["manifest.json"])
    change(manifest)
    entries["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def test_wrong_format_version_rejected(saved):
    _, path = saved
    _rewrite_manifest(path, lambda m: m.update(format_version=FORMAT_VERSION + 1))

    with pytest.raises(ProgramError, match=f"format version {FORMAT_VERSION + 1}.*reads version {FORMAT_VERSION}"):
        load_program(path)


def test_edited_manifest_fails_hash(saved):
    _, path = saved
    _rewrite_manifest(path, lambda m: m.update(name="edited"))

    with pytest.raises(ProgramError, match="content hash mismatch"):
        load_program(path)


def test_missing_program_rejected(tmp_path):
    with pytest.raises(ProgramError, match="not found"):
        load_program(tmp_path / "absent.dtmp")


def test_non_zip_rejected(tmp_path):
    path = tmp_path / "plain.dtmp"
    path.write_text("not a program")

    with pytest.raises(ProgramError, match="truncated or corrupted"):
        load_program(path)


def test_save_leaves_no_temporary_files(saved):
    _, path = saved

    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.dtmp"]


def test_save_into_file_path_rejected(saved, tmp_path):
    program, path = saved

    with pytest.raises(ProgramError, match="cannot write program .*choose a writable output path"):
        save_program(program, path / "inside.dtmp")
