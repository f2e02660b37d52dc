"""Tests of the topology pass: grid edges, degrees and duplicate removal."""

from __future__ import annotations

import numpy as np
import pytest

from dtmc.compiler import compile_model
from dtmc.errors import PassError
from dtmc.ir.checks import interior_mask, node_degrees
from dtmc.passes.topology import grid_edges
from dtmc.program.arrays import rule_offsets
from dtmc.spec import PATTERNS


def reference_edges(side: int, torus: bool, rules) -> set[tuple[int, int]]:
    """Enumerate the grid's edges cell by cell, the slow obvious way."""
    edges = set()
    for x in range(side):
        for y in range(side):
            for dx, dy in rule_offsets(rules):
                tx, ty = x + dx, y + dy
                if torus:
                    tx, ty = tx % side, ty % side
                elif not (0 <= tx < side and 0 <= ty < side):
                    continue
                i, j = x * side + y, tx * side + ty
                if i != j:
                    edges.add((min(i, j), max(i, j)))
    return edges


@pytest.mark.parametrize("torus", [True, False], ids=["torus", "open"])
@pytest.mark.parametrize("pattern", ["G8", "G12"])
def test_grid_edges_match_enumeration(pattern, torus):
    side = 22
    edges, _ = grid_edges(side, torus, PATTERNS[pattern])

    assert {tuple(e) for e in edges.tolist()} == reference_edges(side, torus, PATTERNS[pattern])
    assert len(edges) == len(reference_edges(side, torus, PATTERNS[pattern]))


@pytest.mark.parametrize("torus", [True, False], ids=["torus", "open"])
def test_grid_edges_sorted_and_oriented(torus):
    side = 22
    edges, direction = grid_edges(side, torus, PATTERNS["G12"])
    offsets = np.asarray(rule_offsets(PATTERNS["G12"]))

    assert np.all(edges[:, 0] < edges[:, 1])
    keys = edges[:, 0].astype(np.int64) * side * side + edges[:, 1]
    assert np.all(np.diff(keys) > 0)

    # cell(j) = cell(i) + offset(direction), modulo the side on a torus.
    xi, yi = np.divmod(edges[:, 0], side)
    xj, yj = np.divmod(edges[:, 1], side)
    dx, dy = offsets[direction, 0], offsets[direction, 1]
    if torus:
        assert np.all((xi + dx) % side == xj)
        assert np.all((yi + dy) % side == yj)
    else:
        assert np.all(xi + dx == xj)
        assert np.all(yi + dy == yj)


@pytest.mark.parametrize("pattern", ["G8", "G12", "G16", "G20"])
def test_torus_every_node_has_full_degree(pattern):
    side = 48
    edges, _ = grid_edges(side, True, PATTERNS[pattern])

    degree = node_degrees(edges, side * side)

    assert np.all(degree == 4 * len(PATTERNS[pattern]))


@pytest.mark.parametrize("pattern", ["G8", "G12", "G20"])
def test_open_grid_interior_degree(pattern):
    side = 60
    rules = PATTERNS[pattern]
    edges, _ = grid_edges(side, False, rules)

    degree = node_degrees(edges, side * side)
    interior = interior_mask(side, False, rules)

    assert interior.any()
    assert np.all(degree[interior] == 4 * len(rules))
    assert np.all(degree[~interior] < 4 * len(rules))


def test_topology_in_compiled_program(make_spec):
    spec = make_spec(side=24, pattern="G12")

    program = compile_model(spec)
    degree = node_degrees(program.graph.edges, program.graph.n_grid)

    assert np.all(degree == 12)
    assert program.n_edges == 24 * 24 * 12 // 2


def test_small_torus_duplicate_offsets_rejected(make_spec):
    """On a 4x4 torus rule (4, 1) wraps onto rule (0, 1), so the edges coincide."""
    spec = make_spec(side=4, pattern="G8", downsample=1, classes=(0,), repeat=1)

    with pytest.raises(PassError, match="degree 8.*use a larger grid"):
        compile_model(spec)


def test_duplicate_edges_removed():
    edges, direction = grid_edges(4, True, PATTERNS["G8"])

    keys = edges[:, 0] * 16 + edges[:, 1]
    assert np.unique(keys).size == keys.size
    assert direction.min() >= 0
