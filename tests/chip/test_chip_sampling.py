"""Chip generation and reporting on trained parameters: run folders, the generator, the report section."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pytest

from dtmc.chip import ChipGenerator, report_section
from dtmc.cli import main
from dtmc.commands.schedule import load_program_or_model
from dtmc.program.artifact import save_program
from dtmc.train.checkpoint import save_checkpoint
from dtmc.train.penalty import PenaltyState
from dtmc.train.run_folder import RunFolder
from dtmc.train.state import TrainState

MODEL = Path(__file__).parent / "golden" / "tiny.dtm"


@pytest.fixture(scope="module")
def program():
    return load_program_or_model(str(MODEL))


@pytest.fixture(scope="module")
def trained(program):
    """Parameters standing in for trained ones: strong enough to move samples away from noise."""
    rng = np.random.default_rng(4)
    weights = rng.normal(0.0, 0.8, program.init_weights.shape).astype(np.float32)
    biases = rng.normal(0.0, 0.5, program.init_biases.shape).astype(np.float32)
    return weights, biases


@pytest.fixture
def run_folder(tmp_path, program, trained):
    """A run folder as `dtmc run` leaves it: program.dtmp and a latest checkpoint."""
    folder = RunFolder(tmp_path / "run")
    folder.checkpoints.mkdir(parents=True)
    save_program(program, folder.program_path)
    steps = program.n_steps
    state = TrainState(
        weights=trained[0], biases=trained[1], opt_state=(),
        penalty=PenaltyState(np.zeros(steps), np.full(steps, np.nan)), key=np.zeros(2, np.uint32), epoch=1,
    )
    checkpoint = folder.checkpoint_path(1)
    save_checkpoint(checkpoint, state, program.graph)
    folder.mark_latest(checkpoint)
    return folder.path


def test_generator_clamps_classes(program, trained):
    generator = ChipGenerator(program, "chip70_g12")
    generated = generator.generate(*trained, key=jax.random.key(0), classes=np.array([0, 1, 1, 0]))
    assert generated.bits.shape == (4, 6)
    np.testing.assert_array_equal(generated.bits[:, 4:], [[1, 0], [0, 1], [0, 1], [1, 0]])
    assert generated.classes.tolist() == [0, 1, 1, 0]


def test_generator_same_key_same_bits(program, trained):
    generator = ChipGenerator(program, "chip70_g12")
    first = generator.generate(*trained, key=jax.random.key(3), n=16)
    second = generator.generate(*trained, key=jax.random.key(3), n=16)
    other = generator.generate(*trained, key=jax.random.key(4), n=16)
    np.testing.assert_array_equal(first.bits, second.bits)
    assert not np.array_equal(first.bits, other.bits)
    assert first.classes.tolist() == [-1] * 16


def test_generator_summary_counts_everything(program, trained):
    generator = ChipGenerator(program, "chip70_g12")
    generator.generate(*trained, key=jax.random.key(0), n=3)
    generator.generate(*trained, key=jax.random.key(1), n=5)
    assert generator.counter.cell_updates == 2 * 50 * 25 * 8
    assert generator.summary(8).startswith("chip chip70_g12: ")


def test_report_section_for_chip_program(program, trained):
    lines = report_section(program, weights=trained[0], biases=trained[1])
    assert lines[0] == "chip"
    assert "batch of 1024" in lines[4]  # generate.per_class 512 for each of 2 classes
    assert lines[-1].startswith("  quantisation of the trained parameters: 0 clipped")


def test_report_section_empty_for_jax(program):
    assert report_section(program, "jax") == []


def test_schedule_reads_run_folder(run_folder, trained, capsys):
    assert main(["schedule", str(run_folder), "--target", "chip70_g12", "--format", "json", "--exact"]) == 0
    document = json.loads(capsys.readouterr().out)
    step_one = document["steps"][0]
    assert step_one["step"] == 1
    np.testing.assert_allclose(step_one["registers"]["bias"], 1.2 * trained[1][1].astype(np.float64), rtol=1e-6)


def test_schedule_rejects_folder_without_program(tmp_path, capsys):
    assert main(["schedule", str(tmp_path), "--target", "chip70_g12"]) == 2
    assert "is not a run folder (no program.dtmp)" in capsys.readouterr().err


def test_report_command_chip_section(run_folder, capsys):
    assert main(["report", str(run_folder), "--target", "chip70_g12", "--train-examples", "100"]) == 0
    output = capsys.readouterr().out
    assert "\nchip\n  chip target chip70_g12: 70x70 torus" in output
    assert "quantisation of the trained parameters" in output


def test_report_command_without_chip(capsys):
    assert main(["report", str(MODEL), "--target", "jax", "--train-examples", "100"]) == 0
    assert "chip target" not in capsys.readouterr().out
