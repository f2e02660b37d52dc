"""Fit and placement: embed a model's grid graph in a chip's wiring, avoiding dead cells."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from dtmc.chip.target import ChipTarget
from dtmc.errors import TargetError
from dtmc.program.arrays import GraphArrays, rule_offsets

__all__ = ["Placement", "place"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Placement:
    """Placement of a model on a chip: the chip cell of each grid node and the coupling of each edge.

    Attributes:
        chip_side: side of the chip grid.
        offset: chip cell (x, y) of model cell (0, 0).
        transposed: whether model cell (x, y) sits at chip (y, x) before the offset, which turns a
            rule (a, b) into its mirror image (b, a).
        chip_cell: int32[n_grid, 2], chip cell of each model grid node.
        chip_index: int32[n_grid], chip cell number `x * chip_side + y` of each model grid node.
        edge_slot: int16[m], chip direction index (`4 * rule + rotation`) of each model edge, seen
            from the edge's first node.
    """

    chip_side: int
    offset: tuple[int, int]
    transposed: bool
    chip_cell: np.ndarray
    chip_index: np.ndarray
    edge_slot: np.ndarray


def _chip_offsets(target: ChipTarget) -> np.ndarray:
    offsets = np.array(rule_offsets(target.rules), dtype=np.int64)
    return offsets % target.side if target.torus else offsets


def _match_edges(graph: GraphArrays, target: ChipTarget, transposed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return each edge's chip direction (or -1) and its chip offset, for one orientation."""
    cells = graph.cell[: graph.n_grid].astype(np.int64)
    if transposed:
        cells = cells[:, ::-1]
    delta = cells[graph.edges[:, 1]] - cells[graph.edges[:, 0]]

    # A torus model wraps its edges, so its offsets are only defined modulo its side (the chip's).
    # An open model's edges never wrap, so the raw difference is the offset.
    if graph.torus:
        delta = delta % graph.side
    if target.torus:
        delta = delta % target.side

    matches = np.all(delta[:, None, :] == _chip_offsets(target)[None, :, :], axis=2)
    slot = np.where(matches.any(axis=1), matches.argmax(axis=1), -1)

    # On a small torus two directions can reach the same neighbour, so parallel edges would share
    # a register. Each later one moves to the next direction with the same offset.
    used: set[tuple[int, int]] = set()
    for edge in np.flatnonzero(matches.sum(axis=1) > 1):
        source = int(graph.edges[edge, 0])
        for direction in np.flatnonzero(matches[edge]):
            if (source, int(direction)) not in used:
                slot[edge] = direction
                used.add((source, int(direction)))
                break
    return slot, delta


def _check_size(graph: GraphArrays, target: ChipTarget) -> None:
    if graph.side > target.side:
        raise TargetError(
            f"model grid {graph.side}x{graph.side} does not fit chip '{target.name}' of side {target.side}; "
            f"use a model grid of side at most {target.side} or a larger chip"
        )
    if graph.torus and not (target.torus and target.side == graph.side):
        chip_kind = f"{'a torus' if target.torus else 'an open'} grid of side {target.side}"
        raise TargetError(
            f"torus model grid of side {graph.side} needs a torus chip of the same side, but chip "
            f"'{target.name}' is {chip_kind}; make the model grid open ('grid {graph.side}' without 'torus') "
            f"or use a torus chip of side {graph.side}"
        )


def _choose_orientation(graph: GraphArrays, target: ChipTarget) -> tuple[bool, np.ndarray]:
    """Return (transposed, edge slots) for the first orientation in which every edge is wired."""
    failures = []
    for transposed in (False, True):
        slot, delta = _match_edges(graph, target, transposed)
        if np.all(slot >= 0):
            return transposed, slot
        failures.append((slot, delta))

    slot, delta = failures[0]
    bad = int(np.argmax(slot < 0))
    i, j = (int(v) for v in graph.edges[bad])
    offset = tuple(int(v) for v in delta[bad])
    model_rule = ""
    direction = int(graph.edge_direction[bad])
    if direction >= 0:
        model_rule = f" (rule {graph.rules[direction // 4]})"
    raise TargetError(
        f"edge {i}-{j}{model_rule} has offset {offset}, which chip '{target.name}' does not wire "
        f"(chip rules {list(target.rules)}, also tried mirrored); use a model pattern whose rules are a "
        f"subset of the chip's, or a chip with that rule"
    )


def _free_offsets(graph: GraphArrays, target: ChipTarget) -> np.ndarray:
    """Return a bool[positions, positions] table: True where the model's square avoids dead cells."""
    chip_side, side = target.side, graph.side
    dead = np.zeros((chip_side, chip_side), dtype=np.int64)
    for x, y in target.dead_cells:
        dead[x, y] = 1

    # On a torus chip the square may wrap, so tile the dead map before taking window sums.
    if target.torus:
        dead = np.tile(dead, (2, 2))[: chip_side + side - 1, : chip_side + side - 1]
        positions = chip_side if side < chip_side else 1
    else:
        positions = chip_side - side + 1
    table = np.zeros((dead.shape[0] + 1, dead.shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = dead.cumsum(0).cumsum(1)
    ox = np.arange(positions)[:, None]
    oy = np.arange(positions)[None, :]
    window = table[ox + side, oy + side] - table[ox, oy + side] - table[ox + side, oy] + table[ox, oy]
    return window == 0


def place(graph: GraphArrays, target: ChipTarget, offset: tuple[int, int] | None = None) -> Placement:
    """Embed a model's grid graph in a chip and choose where it sits.

    A model fits when its grid is no larger than the chip's and a torus model meets a torus chip
    of the same side. Every model edge must also join two chip cells that the chip wires
    together, which holds when the model's rules are the chip's or a subset, directly or
    mirrored. The first offset in raster order whose square covers no dead cell is chosen,
    unless `offset` fixes it.

    Args:
        graph: the model's dense graph.
        target: the chip.
        offset: chip cell of model cell (0, 0); None searches for one.

    Returns:
        The placement.

    Raises:
        TargetError: naming the size, edge rule or dead cell that prevents a fit.
    """
    _check_size(graph, target)
    transposed, slot = _choose_orientation(graph, target)

    free = _free_offsets(graph, target)
    if offset is None:
        if not free.any():
            raise TargetError(
                f"every placement of the {graph.side}x{graph.side} model on chip '{target.name}' covers a dead "
                f"cell (dead cells {list(target.dead_cells)}); use a smaller model grid or a chip with fewer dead cells"
            )
        ox, oy = (int(v) for v in np.argwhere(free)[0])
    else:
        ox, oy = offset
        if not (0 <= ox < free.shape[0] and 0 <= oy < free.shape[1]):
            raise TargetError(
                f"placement offset ({ox}, {oy}) is out of range for a {graph.side}x{graph.side} model on chip "
                f"'{target.name}'; each coordinate must be in 0..{free.shape[0] - 1}"
            )
        if not free[ox, oy]:
            raise TargetError(
                f"placement offset ({ox}, {oy}) puts a used cell on a dead cell of chip '{target.name}' "
                f"(dead cells {list(target.dead_cells)}); choose another offset or let dtmc search"
            )

    cells = graph.cell[: graph.n_grid].astype(np.int64)
    if transposed:
        cells = cells[:, ::-1]
    chip_cell = (cells + np.array([ox, oy])) % target.side
    chip_index = chip_cell[:, 0] * target.side + chip_cell[:, 1]
    logger.info("placed %dx%d model on %s at offset (%d, %d)%s", graph.side, graph.side, target.name, ox, oy, " transposed" if transposed else "")
    return Placement(
        chip_side=target.side,
        offset=(ox, oy),
        transposed=transposed,
        chip_cell=chip_cell.astype(np.int32),
        chip_index=chip_index.astype(np.int32),
        edge_slot=slot.astype(np.int16),
    )
