"""Compiler passes for chip targets: `fit` places the model on the chip, `quantise` checks formats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.chip.fit import place
from dtmc.chip.quantise import quantise
from dtmc.chip.target import ChipTarget, load_target
from dtmc.errors import PassError
from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass
from dtmc.passes.registry import register_pass, register_target_passes
from dtmc.spec import ModelSpec

__all__ = ["FitPass", "QuantisePass", "chip_target_passes"]


def _chip(name: str) -> ChipTarget:
    target = load_target(name)
    if not isinstance(target, ChipTarget):
        raise PassError(f"target '{name}' is not a chip, so the chip passes cannot run; pass a chip target such as chip70_g12")
    return target


@register_pass
@dataclass(frozen=True)
class FitPass(CompilerPass):
    """Check that the lowered graph embeds in the chip's wiring and choose its placement.

    Reads: `ir.arrays` (cells, edges), the target file.
    Writes: `ir.facts["chip"]` with the target name, chip side, offset, orientation, used and dead cells.
    """

    name = "fit"
    requires = ("lower",)
    target: str = "chip70_g12"

    def run(self, ir: ModelIR) -> None:
        """Place the model on the chip; raises `TargetError` when it does not fit."""
        chip = _chip(self.target)
        placement = place(ir.arrays, chip)
        ir.facts["chip"] = {
            "target": chip.name,
            "chip_side": chip.side,
            "offset": list(placement.offset),
            "transposed": placement.transposed,
            "used_cells": int(placement.chip_index.shape[0]),
            "dead_cells": [list(cell) for cell in chip.dead_cells],
        }

    def verify(self, ir: ModelIR) -> None:
        """Check that used cells are distinct and live and that every edge has a chip direction."""
        chip = _chip(self.target)
        placement = place(ir.arrays, chip, offset=tuple(ir.facts["chip"]["offset"]))
        if np.unique(placement.chip_index).shape[0] != placement.chip_index.shape[0]:
            raise PassError("fit: two model nodes were placed on the same chip cell")
        dead = {x * chip.side + y for x, y in chip.dead_cells}
        if dead & set(placement.chip_index.tolist()):
            raise PassError("fit: a model node was placed on a dead chip cell")
        if np.any(placement.edge_slot < 0):
            raise PassError("fit: a model edge has no chip direction")


@register_pass
@dataclass(frozen=True)
class QuantisePass(CompilerPass):
    """Record the chip's register formats and how the fixed input couplings quantise.

    Trained weights only exist after `dtmc run`, so the weights are quantised again when the
    program is scheduled or sampled on the chip. This pass reports what is known at compile time.

    Reads: `ir.arrays.coupling`, the target file.
    Writes: `ir.facts["quantise"]` with the formats and per-step coupling statistics.
    """

    name = "quantise"
    requires = ("fit",)
    target: str = "chip70_g12"

    def run(self, ir: ModelIR) -> None:
        """Quantise the fixed couplings with zero weights and biases and record the statistics."""
        chip = _chip(self.target)
        arrays = ir.arrays
        steps = arrays.n_steps
        params = quantise(np.zeros((steps, arrays.edges.shape[0])), arrays.coupling, np.zeros((steps, arrays.n_grid)), chip)
        ir.facts["quantise"] = {
            "weights": {"bits": chip.weights.bits, "range": chip.weights.range},
            "couplings": {"bits": chip.coupling_format.bits, "range": chip.coupling_format.range},
            "biases": {"bits": chip.biases.bits, "range": chip.biases.range},
            "scale": chip.scale,
            "random_bits": chip.resolution_bits,
            "couplings": [
                {"step": s.step, "clipped": s.clipped, "rounded": s.rounded, "max_error": s.max_error}
                for s in params.stats
                if s.kind == "couplings"
            ],
        }

    def verify(self, ir: ModelIR) -> None:
        """Check that the statistics cover every step."""
        if len(ir.facts["quantise"]["couplings"]) != ir.arrays.n_steps:
            raise PassError("quantise: coupling statistics do not cover every step")


def chip_target_passes(spec: ModelSpec, target: str) -> list[CompilerPass]:
    """Return `fit` and `quantise` for a chip target, nothing for the jax backend."""
    if target in (None, "jax"):
        return []
    if isinstance(load_target(target), ChipTarget):
        return [FitPass(target=target), QuantisePass(target=target)]
    return []


register_target_passes(chip_target_passes)
