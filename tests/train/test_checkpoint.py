"""Checkpoint files: round trip, atomic writes, and rejection of corrupted or foreign files."""

import dataclasses

import numpy as np
import pytest

from dtmc.errors import CheckpointError
from dtmc.spec import DiffusionSpec
from dtmc.train.checkpoint import MAGIC, load_checkpoint, load_parameters, save_checkpoint
from dtmc.train.penalty import PenaltyState
from dtmc.train.state import TrainState

from .helpers import tiny_program, tiny_spec


def _state(program, epoch=2):
    rng = np.random.default_rng(epoch)
    weights = rng.standard_normal(program.init_weights.shape).astype(np.float32)
    biases = rng.standard_normal(program.init_biases.shape).astype(np.float32)
    opt_state = ({"mu": weights * 0.5, "count": np.array([7, 7], dtype=np.int32)}, (biases * 2.0,))
    return TrainState(
        weights=weights,
        biases=biases,
        opt_state=opt_state,
        penalty=PenaltyState(np.array([0.1, 0.0]), np.array([0.02, np.nan])),
        key=np.array([1, 2], dtype=np.uint32),
        epoch=epoch,
        batch=3,
        history=[{"epoch": 1, "fid": None}],
    )


def _template(state):
    return dataclasses.replace(state).opt_state


def test_checkpoint_round_trip(tmp_path):
    program = tiny_program()
    state = _state(program)
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, state, program.graph)
    loaded = load_checkpoint(path, program.graph, _template(state))

    np.testing.assert_array_equal(loaded.weights, state.weights)
    np.testing.assert_array_equal(loaded.biases, state.biases)
    np.testing.assert_array_equal(loaded.opt_state[0]["mu"], state.opt_state[0]["mu"])
    np.testing.assert_array_equal(loaded.opt_state[0]["count"], state.opt_state[0]["count"])
    np.testing.assert_array_equal(loaded.penalty.last_autocorrelation, state.penalty.last_autocorrelation)
    np.testing.assert_array_equal(loaded.key, state.key)
    assert (loaded.epoch, loaded.batch, loaded.history) == (2, 3, state.history)
    assert [p.name for p in tmp_path.iterdir()] == ["a.ckpt"]


def test_checkpoint_overwrite_is_whole(tmp_path):
    program = tiny_program()
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, _state(program, epoch=1), program.graph)
    save_checkpoint(path, _state(program, epoch=5), program.graph)
    assert load_checkpoint(path, program.graph, _template(_state(program))).epoch == 5


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-100], id="truncated"),
        pytest.param(lambda data: data[:-50] + bytes([data[-50] ^ 1]) + data[-49:], id="flipped-bit"),
        pytest.param(lambda data: b"PK" + data[2:], id="wrong-magic"),
        pytest.param(lambda data: data[: len(MAGIC) + 5], id="cut-header"),
    ],
)
def test_corrupted_checkpoint_rejected(tmp_path, damage):
    program = tiny_program()
    state = _state(program)
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, state, program.graph)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CheckpointError, match="corrupted|not a dtmc checkpoint"):
        load_checkpoint(path, program.graph, _template(state))


def test_missing_checkpoint_rejected(tmp_path):
    program = tiny_program()
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "none.ckpt", program.graph, None)


def test_incompatible_program_rejected(tmp_path):
    program = tiny_program()
    state = _state(program)
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, state, program.graph)

    # Same grid, other noise schedule: the input couplings differ.
    spec = tiny_spec()
    other = tiny_program(dataclasses.replace(spec, diffusion=DiffusionSpec(steps=2, schedule="log", image_rate=1.5, label_rate=1.0)))
    with pytest.raises(CheckpointError, match="different program"):
        load_checkpoint(path, other.graph, _template(state))

    # Larger grid: other shapes altogether.
    bigger = tiny_program(dataclasses.replace(spec, graph=dataclasses.replace(spec.graph, side=6)))
    with pytest.raises(CheckpointError, match="different program"):
        load_checkpoint(path, bigger.graph, _template(state))


def test_optimiser_structure_mismatch_rejected(tmp_path):
    program = tiny_program()
    state = _state(program)
    path = tmp_path / "a.ckpt"
    save_checkpoint(path, state, program.graph)
    with pytest.raises(CheckpointError, match="optimiser state"):
        load_checkpoint(path, program.graph, (np.zeros(3),))


def test_parameters_from_several_checkpoints(tmp_path):
    program = tiny_program()
    first, second = _state(program, epoch=1), _state(program, epoch=2)
    save_checkpoint(tmp_path / "a.ckpt", first, program.graph)
    save_checkpoint(tmp_path / "b.ckpt", second, program.graph)

    weights, biases = load_parameters(tmp_path / "a.ckpt", program.graph, {1: tmp_path / "b.ckpt"})
    np.testing.assert_array_equal(weights[0], first.weights[0])
    np.testing.assert_array_equal(weights[1], second.weights[1])
    np.testing.assert_array_equal(biases[1], second.biases[1])


def test_parameters_from_other_schedule_rejected(tmp_path):
    program = tiny_program()
    spec = tiny_spec()
    other = tiny_program(dataclasses.replace(spec, diffusion=DiffusionSpec(steps=2, schedule="linear", offset=0.0, image_rate=3.0, label_rate=1.0)))
    save_checkpoint(tmp_path / "a.ckpt", _state(program), program.graph)
    save_checkpoint(tmp_path / "b.ckpt", _state(other), other.graph)
    with pytest.raises(CheckpointError, match="other input couplings"):
        load_parameters(tmp_path / "a.ckpt", program.graph, {0: tmp_path / "b.ckpt"})
