"""Operation counts of a chip run and their cost in clock cycles, seconds and joules."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dtmc.chip.target import ChipTarget

__all__ = ["CostCounter", "estimate_cost", "step_cycles"]


@dataclass
class CostCounter:
    """Running totals of the operations a chip performs.

    The chip runs one chain at a time, so chains run one after another. A batch is processed
    step by step, and each step's registers are written once per batch.
    """

    cell_updates: int = 0
    random_bits: int = 0
    readouts: int = 0
    """Cells read out."""
    weight_writes: int = 0
    """Coupling and bias registers written."""
    cycles: int = 0

    def add(self, other: CostCounter) -> None:
        """Add another counter's totals to this one."""
        self.cell_updates += other.cell_updates
        self.random_bits += other.random_bits
        self.readouts += other.readouts
        self.weight_writes += other.weight_writes
        self.cycles += other.cycles

    def joules(self, target: ChipTarget) -> dict[str, float]:
        """Return the energy of each kind of operation and their `total`, in joules."""
        energy = target.energy
        parts = {
            "cell_updates": self.cell_updates * energy.cell_update,
            "random_bits": self.random_bits * energy.random_bit,
            "readouts": self.readouts * energy.readout,
            "weight_writes": self.weight_writes * energy.weight_write,
        }
        parts["total"] = sum(parts.values())
        return parts

    def seconds(self, target: ChipTarget) -> float:
        """Return the run time at the target's clock, in seconds."""
        return self.cycles / target.clock.hz


def step_cycles(target: ChipTarget, *, updated_phases: int, chains: int, registers: int) -> int:
    """Return the cycles of one step for a batch: register writes, then each chain's phases and readout."""
    clock = target.clock
    writes = math.ceil(registers / clock.weight_writes_per_cycle)
    return writes + chains * (updated_phases * clock.cycles_per_phase + clock.cycles_per_readout)


def estimate_cost(
    target: ChipTarget,
    *,
    cells: int,
    visible: int,
    registers: int,
    steps: int,
    sweeps: int,
    chains: int = 1,
    colours: int = 2,
) -> CostCounter:
    """Count the operations of generating `chains` samples, without running the emulator.

    Every step updates every used cell once per sweep, reads out the visible cells and writes all
    registers once per batch. For the published estimate E = T * K * L**2 * E_cell, take
    `cells = L**2`, `steps = T`, `sweeps = K`; readouts and register writes come on top.

    Args:
        target: the chip, for its clock and random bits per update.
        cells: cells updated per sweep (the model's grid nodes).
        visible: cells read out per step (the visible outputs).
        registers: coupling and bias registers written per step.
        steps: diffusion steps T.
        sweeps: sweeps per step K.
        chains: samples generated as one batch.
        colours: phases per sweep.

    Returns:
        The operation counts.
    """
    updates = steps * sweeps * cells * chains
    return CostCounter(
        cell_updates=updates,
        random_bits=updates * target.bits_per_update,
        readouts=steps * visible * chains,
        weight_writes=steps * registers,
        cycles=steps * step_cycles(target, updated_phases=sweeps * colours, chains=chains, registers=registers),
    )
