"""Map a compiled program and its parameters onto a chip target: placement plus register contents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dtmc.chip.emulator import ChipEmulator
from dtmc.chip.energy import CostCounter, estimate_cost
from dtmc.chip.fit import Placement, place
from dtmc.chip.quantise import ChipParams, quantise
from dtmc.chip.target import ChipTarget, JaxTarget, load_target
from dtmc.errors import TargetError
from dtmc.program.arrays import GraphArrays

__all__ = ["ChipBuild", "build_for_chip", "load_chip_target", "report_lines", "report_section"]


@dataclass(frozen=True, eq=False)
class ChipBuild:
    """A program placed and quantised for one chip, ready to emulate or to emit as a schedule.

    Attributes:
        target: the chip.
        graph: the program's dense graph.
        placement: where the model sits on the chip.
        params: register contents, beta folded in.
        name: model name.
        content_hash: the program's content hash, or "" when unknown.
        sweeps: sweeps per step of generation.
        beta_start: generation beta at the first sweep of a step.
        beta_end: generation beta at the last sweep of a step.
    """

    target: ChipTarget
    graph: GraphArrays
    placement: Placement
    params: ChipParams
    name: str = "model"
    content_hash: str = ""
    sweeps: int = 250
    beta_start: float = 1.0
    beta_end: float = 1.0

    @property
    def registers(self) -> int:
        """Coupling, input-coupling and bias registers written per step."""
        return int(self.graph.edges.shape[0] + self.graph.n_visible + self.graph.n_grid)

    def emulator(self, *, mismatch: bool | None = None) -> ChipEmulator:
        """Return an emulator of this build (mismatch as in the target unless overridden)."""
        return ChipEmulator(self.graph, self.params, self.target, placement=self.placement, mismatch=mismatch)

    def estimate(self, chains: int = 1) -> CostCounter:
        """Count the operations of generating `chains` samples as one batch, without running them."""
        return estimate_cost(
            self.target,
            cells=self.graph.n_grid,
            visible=self.graph.n_visible,
            registers=self.registers,
            steps=self.graph.n_steps,
            sweeps=self.sweeps,
            chains=chains,
            colours=self.graph.n_colours,
        )


def load_chip_target(name_or_path: str | Path) -> ChipTarget:
    """Load a target and require it to be a chip.

    Raises:
        TargetError: if the target is missing, invalid, or the jax backend.
    """
    target = load_target(name_or_path)
    if isinstance(target, JaxTarget):
        raise TargetError(f"target '{name_or_path}' is the jax backend, not a chip; pass a chip target such as chip70_g12")
    return target


def build_for_chip(
    program: Any,
    target: ChipTarget,
    *,
    weights: np.ndarray | None = None,
    biases: np.ndarray | None = None,
    quantised: bool = True,
    offset: tuple[int, int] | None = None,
) -> ChipBuild:
    """Place a program on a chip and fill the registers from its parameters.

    The beta folded into the registers is the largest generation beta, so annealing only ever
    lowers the response gain and never needs values beyond the registers' range.

    Args:
        program: a compiled `Program` (uses `graph`, `spec`, `manifest`, `init_weights`, `init_biases`).
        target: the chip.
        weights: float[T, m] trained weights; None takes the program's initial weights.
        biases: float[T, n_grid] trained biases; None takes the program's initial biases.
        quantised: False keeps exact float registers.
        offset: fixed placement offset; None searches for one.

    Returns:
        The build.

    Raises:
        TargetError: if the model does not fit the chip or the parameters do not match the graph.
    """
    graph = program.graph
    generate = program.spec.generate
    weights = program.init_weights if weights is None else np.asarray(weights)
    biases = program.init_biases if biases is None else np.asarray(biases)
    expected = {"weights": (graph.n_steps, graph.edges.shape[0]), "biases": (graph.n_steps, graph.n_grid)}
    for name, values in (("weights", weights), ("biases", biases)):
        if values.shape != expected[name]:
            raise TargetError(
                f"{name} have shape {values.shape}, but program '{program.spec.name}' needs {expected[name]}; "
                "pass parameters trained for this program"
            )
    placement = place(graph, target, offset=offset)
    beta = max(generate.beta_start, generate.beta_end)
    params = quantise(weights, graph.coupling, biases, target, beta=beta, enabled=quantised)
    return ChipBuild(
        target=target,
        graph=graph,
        placement=placement,
        params=params,
        name=program.spec.name,
        content_hash=program.manifest.get("content_hash", ""),
        sweeps=generate.sweeps,
        beta_start=generate.beta_start,
        beta_end=generate.beta_end,
    )


def report_lines(program: Any, target: str | Path | ChipTarget, *, chains: int = 1) -> list[str]:
    """Describe how a program maps onto a chip: placement, formats, cycles and energy per sample.

    Args:
        program: a compiled `Program`.
        target: a chip target or its name or path.
        chains: batch size over which register writes are shared.

    Returns:
        Lines of text for `dtmc report`.

    Raises:
        TargetError: if the target is invalid or the model does not fit it.
    """
    chip = target if isinstance(target, ChipTarget) else load_chip_target(target)
    build = build_for_chip(program, chip)
    cost = build.estimate(chains)
    joules = cost.joules(chip)
    steps, side = build.graph.n_steps, build.graph.side
    ox, oy = build.placement.offset
    return [
        f"chip target {chip.name}: {chip.side}x{chip.side} {'torus' if chip.torus else 'open'}, "
        f"rules {list(chip.rules)}, {len(chip.dead_cells)} dead cells",
        f"placement: {side}x{side} model at chip offset ({ox}, {oy}){', transposed' if build.placement.transposed else ''}",
        f"registers per step: {build.registers} (weights {chip.weights.bits}-bit, biases {chip.biases.bits}-bit, "
        f"random source {chip.resolution_bits}-bit)",
        f"per sample ({steps} steps x {build.sweeps} sweeps, batch of {chains}): "
        f"{cost.cell_updates // chains} cell updates, {cost.seconds(chip) / chains * 1e6:.2f} us, "
        f"{joules['total'] / chains * 1e9:.3f} nJ",
        f"energy per sample by kind: cell updates {joules['cell_updates'] / chains * 1e9:.3f} nJ, "
        f"random bits {joules['random_bits'] / chains * 1e9:.3f} nJ, readouts {joules['readouts'] / chains * 1e9:.4f} nJ, "
        f"register writes {joules['weight_writes'] / chains * 1e9:.4f} nJ",
    ]


def report_section(program: Any, target: str | Path | None = None, *, weights: np.ndarray | None = None, biases: np.ndarray | None = None) -> list[str]:
    """Return the chip section of `dtmc report`, or no lines when there is no chip target.

    Register writes are shared by the evaluation batch (`generate.per_class` samples of every class).

    Args:
        program: a compiled `Program`.
        target: chip target name or path; None takes the program's target when it is a chip.
        weights: float[T, m] trained weights for the quantisation line; None uses the initial ones.
        biases: float[T, n_grid] trained biases; None uses the initial ones.

    Raises:
        TargetError: if the target is invalid or the model does not fit it.
    """
    name = target or program.manifest.get("target")
    if name is None or isinstance(load_target(name), JaxTarget):
        return []

    chip = load_chip_target(name)
    chains = program.spec.generate.per_class * max(1, len(program.spec.data.classes))
    lines = report_lines(program, chip, chains=chains)
    stats = build_for_chip(program, chip, weights=weights, biases=biases).params.stats
    which = "trained" if weights is not None else "initial"
    clipped = sum(s.clipped for s in stats)
    rounded = sum(s.rounded for s in stats)
    largest = max((s.max_error for s in stats), default=0.0)
    lines.append(f"quantisation of the {which} parameters: {clipped} clipped, {rounded} rounded, largest error {largest:.4g} (field units)")
    return ["chip", *("  " + line for line in lines)]
