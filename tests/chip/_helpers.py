"""Shared builders for the chip tests: small specs, target variants and exact Boltzmann laws."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np

from dtmc.chip.target import ChipTarget, load_target
from dtmc.program.arrays import GraphArrays
from dtmc.spec import PATTERNS, DataSpec, DiffusionSpec, GenerateSpec, GraphSpec, LabelSpec, ModelSpec

TINY_SOURCE = "model tiny { }\n"


def tiny_spec(side: int = 4, pattern: str = "G8", torus: bool = False, steps: int = 2) -> ModelSpec:
    """Return a 2-class model with 2x2 images and one label copy (6 visible spins) on a small grid."""
    return ModelSpec(
        name="tiny",
        data=DataSpec(classes=(0, 1), image_size=28, downsample=2),
        labels=LabelSpec(repeat=1),
        graph=GraphSpec(side=side, torus=torus, pattern=pattern, rules=PATTERNS[pattern], place="raster"),
        diffusion=DiffusionSpec(steps=steps, schedule="linear"),
        generate=GenerateSpec(sweeps=10, beta_start=0.8, beta_end=1.2),
        source_text=TINY_SOURCE,
    )


def chip(name: str = "chip70_g12", **changes) -> ChipTarget:
    """Load a shipped chip target with some fields replaced."""
    return dataclasses.replace(load_target(name), **changes)


def write_target(folder: Path, text: str, name: str = "target.yaml") -> Path:
    """Write a target file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def boltzmann(graph: GraphArrays, weights, couplings, biases, inputs) -> np.ndarray:
    """Return the exact law over all 2**n_grid grid states (state index: node 0 is the high bit).

    P(s) is proportional to exp(sum_e w_e s_i s_j + sum_i b_i s_i + sum_v J_v x_v s_visible(v)),
    beta already folded into the values.
    """
    states = np.array(list(itertools.product([-1, 1], repeat=graph.n_grid)), dtype=np.float64)
    first, second = graph.edges[:, 0], graph.edges[:, 1]
    log_weight = (states[:, first] * states[:, second]) @ weights + states @ biases
    log_weight += states[:, graph.visible_node] @ (couplings * inputs)
    probability = np.exp(log_weight - log_weight.max())
    return probability / probability.sum()


def empirical(records: np.ndarray) -> np.ndarray:
    """Return the state frequencies of recorded int8[samples, n_grid, chains] states."""
    n_grid = records.shape[1]
    spins = records.transpose(0, 2, 1).reshape(-1, n_grid)
    index = ((spins > 0).astype(np.int64) * (2 ** np.arange(n_grid)[::-1])).sum(axis=1)
    return np.bincount(index, minlength=2**n_grid) / index.shape[0]
