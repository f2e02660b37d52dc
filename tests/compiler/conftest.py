"""Shared helpers for the compiler tests: tiny model specs built without the front end."""

from __future__ import annotations

import pytest

from dtmc.spec import PATTERNS, DataSpec, DiffusionSpec, GraphSpec, LabelSpec, ModelSpec


def tiny_spec(
    *,
    side: int = 8,
    pattern: str = "G8",
    rules: tuple[tuple[int, int], ...] | None = None,
    torus: bool = True,
    place: str = "random",
    place_seed: int = 0,
    steps: int = 2,
    schedule: str = "log",
    downsample: int = 4,
    classes: tuple[int, ...] = (0, 1),
    repeat: int = 2,
    seed: int = 0,
) -> ModelSpec:
    """Build a small spec: a 4x4 image (16 spins) and 2 classes x 2 copies (4 label spins) by default."""
    return ModelSpec(
        name="tiny",
        data=DataSpec(downsample=downsample, classes=classes),
        labels=LabelSpec(repeat=repeat),
        graph=GraphSpec(
            side=side,
            torus=torus,
            pattern=pattern if rules is None else None,
            rules=PATTERNS[pattern] if rules is None else rules,
            place=place,
            place_seed=place_seed,
        ),
        diffusion=DiffusionSpec(steps=steps, schedule=schedule),
        seed=seed,
        source_text="# tiny test model\n",
    )


@pytest.fixture
def make_spec():
    """Return the `tiny_spec` builder."""
    return tiny_spec
