"""Fit and placement: which models embed in which chips, and where they land."""

from __future__ import annotations

import numpy as np
import pytest

from dtmc.backend.synthetic import grid_graph
from dtmc.chip.fit import place
from dtmc.errors import TargetError
from dtmc.program.arrays import rule_offsets
from dtmc.spec import PATTERNS
from tests.chip._helpers import chip


def _edges_wired(graph, target, placement) -> bool:
    """Check every model edge against the chip: second cell = first cell + the slot's offset."""
    offsets = np.array(rule_offsets(target.rules))[placement.edge_slot]
    first = placement.chip_cell[graph.edges[:, 0]]
    second = placement.chip_cell[graph.edges[:, 1]]
    return bool(np.all((first + offsets) % target.side == second))


@pytest.mark.parametrize("pattern", ["G8", "G12"], ids=["sub-pattern", "same-pattern"])
def test_open_model_fits_chip70(pattern):
    graph = grid_graph(20, PATTERNS[pattern], torus=False)
    target = chip()
    placement = place(graph, target)
    assert placement.offset == (0, 0)
    assert not placement.transposed
    assert _edges_wired(graph, target, placement)


def test_torus_model_fits_same_side_torus_chip():
    graph = grid_graph(70, PATTERNS["G12"], torus=True)
    target = chip()
    placement = place(graph, target)
    assert _edges_wired(graph, target, placement)
    assert np.unique(placement.chip_index).shape[0] == 70 * 70


def test_mirrored_pattern_fits_transposed():
    """Rules (0, 1), (1, 4), (9, 10) mirror the chip's G12 rules, so placement swaps x and y."""
    graph = grid_graph(30, ((0, 1), (1, 4), (9, 10)), torus=False)
    target = chip()
    placement = place(graph, target)
    assert placement.transposed
    assert _edges_wired(graph, target, placement)


def test_single_mirrored_rule_does_not_fit():
    """Mirroring only (10, 9) is no symmetry of the chip: (4, 1) would turn into (1, 4)."""
    graph = grid_graph(30, ((0, 1), (4, 1), (9, 10)), torus=False)
    with pytest.raises(TargetError, match=r"\(rule \(9, 10\)\) has offset \(9, 10\)"):
        place(graph, chip())


def test_extra_rule_does_not_fit():
    graph = grid_graph(20, PATTERNS["G16"], torus=False)
    with pytest.raises(TargetError, match=r"\(rule \(11, 14\)\) has offset .* which chip 'chip70_g12' does not wire"):
        place(graph, chip())


def test_model_larger_than_chip():
    graph = grid_graph(8, PATTERNS["G8"], torus=False)
    with pytest.raises(TargetError, match="model grid 8x8 does not fit chip 'chip70_g12' of side 6"):
        place(graph, chip(side=6))


def test_torus_model_needs_same_side():
    graph = grid_graph(60, PATTERNS["G12"], torus=True)
    with pytest.raises(TargetError, match="torus model grid of side 60 needs a torus chip of the same side"):
        place(graph, chip())


def test_torus_model_rejected_on_open_chip():
    graph = grid_graph(70, PATTERNS["G12"], torus=True)
    with pytest.raises(TargetError, match="is an open grid of side 70"):
        place(graph, chip(torus=False))


def test_dead_cells_avoided():
    """Chip 10x10 open, dead cells at (0, 0) and (1, 5): a 6x6 model first fits at offset (2, 0)."""
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    target = chip(side=10, torus=False, dead_cells=((0, 0), (1, 5)))
    placement = place(graph, target)
    assert placement.offset == (2, 0)
    dead = {x * 10 + y for x, y in target.dead_cells}
    assert not dead & set(placement.chip_index.tolist())


def test_wrapped_placement_on_torus_chip():
    """On an 8x8 torus chip every unwrapped 6x6 square covers dead cell (3, 3); y wraps from 4 to 1."""
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    target = chip(side=8, torus=True, dead_cells=((3, 3),))
    placement = place(graph, target)
    assert placement.offset == (0, 4)
    assert placement.chip_cell[5].tolist() == [0, 1]
    assert _edges_wired(graph, target, placement)


def test_every_placement_dead():
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    target = chip(side=8, torus=False, dead_cells=((3, 3),))
    with pytest.raises(TargetError, match=r"every placement of the 6x6 model .* covers a dead cell \(dead cells \[\(3, 3\)\]\)"):
        place(graph, target)


def test_torus_model_on_chip_with_dead_cell():
    graph = grid_graph(70, PATTERNS["G12"], torus=True)
    with pytest.raises(TargetError, match="covers a dead cell"):
        place(graph, chip(dead_cells=((5, 5),)))


def test_explicit_offset_on_dead_cell():
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    target = chip(side=10, torus=False, dead_cells=((0, 0),))
    with pytest.raises(TargetError, match=r"placement offset \(0, 0\) puts a used cell on a dead cell"):
        place(graph, target, offset=(0, 0))


def test_explicit_offset_out_of_range():
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    with pytest.raises(TargetError, match=r"offset \(5, 0\) is out of range .* must be in 0..4"):
        place(graph, chip(side=10, torus=False), offset=(5, 0))


def test_explicit_offset_used():
    graph = grid_graph(6, PATTERNS["G8"], torus=False)
    placement = place(graph, chip(), offset=(30, 40))
    assert placement.chip_cell[0].tolist() == [30, 40]
    assert placement.chip_cell[-1].tolist() == [35, 45]


def test_parallel_edges_get_distinct_slots():
    """A 2x2 torus reaches each neighbour twice, so its parallel edges need two registers."""
    graph = grid_graph(2, ((0, 1),), torus=True)
    target = chip(side=2, rules=((0, 1),), dead_cells=())
    placement = place(graph, target)
    pairs = set(zip(graph.edges[:, 0].tolist(), placement.edge_slot.tolist()))
    assert len(pairs) == graph.edges.shape[0]
