"""The `schedule` pass: the block update order and which nodes are clamped in each phase."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtmc.errors import PassError
from dtmc.ir.checks import improper_edges
from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass
from dtmc.passes.colouring import base_edge_array
from dtmc.passes.registry import register_pass
from dtmc.program.arrays import ROLE_HIDDEN, ROLE_IMAGE, ROLE_INPUT, ROLE_LABEL, ROLE_NAMES

__all__ = ["SchedulePass", "PHASES", "node_roles", "phase_masks", "colour_blocks"]

# Phase name -> roles that are sampled (free) in it; every other node is clamped.
PHASES: dict[str, tuple[int, ...]] = {
    "train_positive": (ROLE_HIDDEN,),
    "train_negative": (ROLE_IMAGE, ROLE_LABEL, ROLE_HIDDEN),
    "generate_free": (ROLE_IMAGE, ROLE_LABEL, ROLE_HIDDEN),
    "generate_clamped": (ROLE_IMAGE, ROLE_HIDDEN),
}


def node_roles(ir: ModelIR) -> np.ndarray:
    """Return int8[n_nodes], the ROLE_* code of every node by node id."""
    code = {name: index for index, name in enumerate(ROLE_NAMES)}
    roles = np.empty(ir.graph.number_of_nodes(), dtype=np.int8)
    for node, role in ir.graph.nodes(data="role"):
        roles[node] = code[role]
    return roles


def phase_masks(roles: np.ndarray) -> dict[str, np.ndarray]:
    """Return the free mask (True = sampled) of every phase in `PHASES`, each bool[n_nodes].

    Input nodes are clamped in every phase: they carry the noised image x_(k+1).
    """
    return {phase: np.isin(roles, free_roles) for phase, free_roles in PHASES.items()}


def colour_blocks(colours: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the grid node ids of each colour, colour 0 first, each ascending int32."""
    n_colours = int(colours.max()) + 1 if colours.size else 0
    return tuple(np.flatnonzero(colours == c).astype(np.int32) for c in range(n_colours))


@register_pass
@dataclass(frozen=True)
class SchedulePass(CompilerPass):
    """Fix the block-Gibbs schedule: colour blocks in update order and the free mask per phase.

    A sweep updates the blocks in ascending colour order. Phases: `train_positive` (inputs and
    visible outputs clamped, hidden free), `train_negative` (inputs clamped), `generate_free`
    (inputs clamped, labels sampled) and `generate_clamped` (inputs and labels clamped).

    Reads: `role` and `colour` of every node, base edges.
    Writes: `ir.blocks`, `ir.schedule`; graph attribute `phases` (phase names in order).
    """

    name = "schedule"
    requires = ("coupling", "colouring")

    def run(self, ir: ModelIR) -> None:
        """Build the colour blocks and the phase masks."""
        colours = np.asarray([ir.graph.nodes[n]["colour"] for n in range(ir.n_grid)], dtype=np.int64)
        ir.blocks = colour_blocks(colours)
        ir.schedule = phase_masks(node_roles(ir))
        ir.graph.graph["phases"] = tuple(PHASES)

    def verify(self, ir: ModelIR) -> None:
        """Check that blocks partition the grid, are independent sets and that inputs stay clamped."""
        covered = np.sort(np.concatenate(ir.blocks)) if ir.blocks else np.zeros(0, dtype=np.int32)
        if not np.array_equal(covered, np.arange(ir.n_grid)):
            raise PassError("schedule: the colour blocks do not cover every grid node exactly once")

        block_of = np.empty(ir.n_grid, dtype=np.int64)
        for index, block in enumerate(ir.blocks):
            block_of[block] = index
        if improper_edges(base_edge_array(ir), block_of).size:
            raise PassError("schedule: a colour block contains two nodes joined by an edge")

        roles = node_roles(ir)
        for phase, free in ir.schedule.items():
            if free[roles == ROLE_INPUT].any():
                raise PassError(f"schedule: phase '{phase}' samples an input node; inputs must stay clamped")
