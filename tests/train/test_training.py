"""Training on a toy dataset with known class patterns, compile-once checks, resume and NaN stops."""

import dataclasses

import jax
import numpy as np
import pytest

from dtmc.train.checkpoint import load_checkpoint
from dtmc.train.generation import Generator
from dtmc.train.run_folder import RunFolder
from dtmc.train.session import train_program
from dtmc.train.trainer import Trainer, TrainingDiverged, TrainingInterrupted

from .helpers import tiny_program, tiny_spec, toy_bits

PATTERNS = np.array([[1, 1, 0, 0], [0, 0, 1, 1]])


def _nearest_pattern(images):
    distance = np.abs(images[:, None, :] - PATTERNS[None]).sum(-1)
    return np.where(distance[:, 0] < distance[:, 1], 0, np.where(distance[:, 1] < distance[:, 0], 1, -1))


@pytest.fixture(scope="module")
def trained():
    """Train the tiny 2-step model for 20 epochs on 512 toy examples."""
    program = tiny_program(tiny_spec(epochs=20, lr=(0.05,), warmup=30, generate_sweeps=60))
    bits, _ = toy_bits(512)
    trainer = Trainer(program, bits)
    state = trainer.initial_state()
    for _ in range(20):
        state = trainer.train_epoch(state)
        trainer.measure_autocorrelation(state)
    return program, trainer, state


def test_toy_conditional_generation_recovers_classes(trained):
    """Clamped to a class, generated 2x2 images are that class's pattern (200 chains, >= 90%)."""
    program, _, state = trained
    generator = Generator(program)
    classes = np.repeat([0, 1], 100)
    generated = generator.generate(state.weights, state.biases, key=jax.random.key(1), classes=classes, record=True)

    accuracy = np.mean(_nearest_pattern(generated.bits[:, :4]) == classes)
    assert accuracy >= 0.9
    assert generated.frames.shape == (3, 200, 6)
    np.testing.assert_array_equal(generated.bits[:, 4:], np.eye(2, dtype=np.uint8)[classes])


def test_training_compiles_once_per_phase(trained):
    program, trainer, state = trained
    assert trainer.trace_counts == {"update": 1, "autocorrelation": 1}

    generator = Generator(program)
    for seed in range(2):
        generator.generate(state.weights, state.biases, key=jax.random.key(seed), classes=np.array([0, 1]))
        generator.generate(state.weights, state.biases, key=jax.random.key(seed), n=2)
    assert generator.trace_counts == {"free": 1, "clamped": 1}


def _run(tmp_path, name, program, bits, **kwargs):
    folder = RunFolder(tmp_path / name)
    folder.create(program.spec)
    return folder, train_program(program, folder, progress=False, data=(bits, bits), **kwargs)


@pytest.fixture(scope="module")
def resume_setup():
    program = tiny_program(tiny_spec(epochs=3, eval_every=0, penalty=dataclasses.replace(tiny_spec().train.penalty, kind="adaptive", values=(0.05,))))
    bits, _ = toy_bits(256, seed=1)
    return program, bits


def _assert_same_state(a, b):
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.biases, b.biases)
    for x, y in zip(jax.tree_util.tree_leaves(a.opt_state), jax.tree_util.tree_leaves(b.opt_state)):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.penalty.strength, b.penalty.strength)


def test_resume_matches_uninterrupted_run(tmp_path, resume_setup, monkeypatch):
    """Stopped by Ctrl-C in epoch 2, then resumed, the run ends bit-identical to a straight run."""
    program, bits = resume_setup
    _, straight = _run(tmp_path, "straight", program, bits)

    import dtmc.train.session as session

    class InterruptingBar:
        """A progress bar whose sixth update acts as Ctrl-C (epoch 2, batch 2 of 4)."""

        def __init__(self, *args, **kwargs):
            self.updates = 0

        def update(self, n):
            self.updates += n
            if self.updates == 6:
                raise KeyboardInterrupt

        def set_description(self, *args, **kwargs):
            pass

        set_postfix = close = set_description

    monkeypatch.setattr(session, "tqdm", InterruptingBar)
    folder = RunFolder(tmp_path / "resumed")
    folder.create(program.spec)
    with pytest.raises(TrainingInterrupted) as stop:
        train_program(program, folder, progress=False, data=(bits, bits))
    assert stop.value.checkpoint == folder.latest_checkpoint()
    assert (stop.value.state.epoch, stop.value.state.batch) == (1, 2)

    monkeypatch.undo()
    resumed = train_program(program, folder, progress=False, data=(bits, bits), resume_from=folder.latest_checkpoint())
    assert resumed.state.epoch == 3
    _assert_same_state(resumed.state, straight.state)
    assert [r["epoch"] for r in resumed.state.history] == [1, 2, 3]


def test_nan_stops_and_keeps_last_checkpoint(tmp_path, resume_setup):
    program, bits = resume_setup
    folder, first = _run(tmp_path, "nan", program, bits, epochs=2)
    good = folder.latest_checkpoint()
    assert good.name == "epoch_002.ckpt"

    # An infinite learning rate turns the next update into inf or NaN.
    broken = dataclasses.replace(program, spec=dataclasses.replace(program.spec, train=dataclasses.replace(program.spec.train, lr=(float("inf"),))))
    with pytest.raises(TrainingDiverged, match="NaN or infinite"):
        train_program(broken, folder, progress=False, data=(bits, bits), resume_from=good)

    assert folder.latest_checkpoint() == good
    reloaded = load_checkpoint(good, program.graph, first.state.opt_state)
    _assert_same_state(reloaded, first.state)
