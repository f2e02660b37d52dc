"""Tests of the colouring and schedule passes: independent blocks, visible colour, phases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dtmc.compiler import compile_ir, compile_model
from dtmc.errors import PassError
from dtmc.ir.checks import improper_edges, is_proper_colouring
from dtmc.ir.model import ModelIR
from dtmc.passes import ColouringPass, ColouringWarning
from dtmc.passes.placement import PlacementPass
from dtmc.passes.topology import TopologyPass
from dtmc.program.arrays import INPUT_COLOUR, ROLE_HIDDEN, ROLE_IMAGE, ROLE_INPUT, ROLE_LABEL


def test_improper_edges_finds_shared_colour():
    """Path 0-1-2 with colours 0, 1, 1: only edge 1-2 is improper."""
    edges = np.array([[0, 1], [1, 2]])

    assert improper_edges(edges, np.array([0, 1, 1])).tolist() == [1]
    assert is_proper_colouring(edges, np.array([0, 1, 0]))


@pytest.mark.parametrize(
    ("side", "pattern", "torus"),
    [(8, "G8", True), (24, "G12", True), (30, "G20", False), (9, "G8", False)],
    ids=["8-G8-torus", "24-G12-torus", "30-G20-open", "9-G8-open"],
)
def test_bipartite_grid_gets_exact_checkerboard(make_spec, side, pattern, torus):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ColouringWarning)
        program = compile_model(make_spec(side=side, pattern=pattern, torus=torus))
    graph = program.graph

    assert graph.n_colours == 2
    assert is_proper_colouring(graph.edges, graph.colour)
    x, y = graph.cell[: graph.n_grid].T
    assert np.array_equal(graph.colour[: graph.n_grid], (x + y) % 2)
    assert program.manifest["colours"]["method"] == "checkerboard"


@pytest.mark.parametrize(
    ("side", "torus", "rules"),
    [(11, True, ((0, 1), (4, 1))), (12, False, ((0, 1), (1, 1)))],
    ids=["odd-torus", "even-rule"],
)
def test_non_bipartite_grid_warns_and_colours_greedily(make_spec, side, torus, rules):
    spec = make_spec(side=side, torus=torus, rules=rules)

    with pytest.warns(ColouringWarning, match=r"greedy colouring uses \d+ colours") as caught:
        program = compile_model(spec)
    graph = program.graph

    assert graph.n_colours >= 3
    assert f"uses {graph.n_colours} colours" in str(caught[0].message)
    assert is_proper_colouring(graph.edges, graph.colour[: graph.n_grid])
    assert len(program.blocks) == graph.n_colours
    assert program.manifest["colours"]["method"] == "greedy"


def test_each_block_is_independent_set(make_spec):
    with pytest.warns(ColouringWarning):
        program = compile_model(make_spec(side=11, torus=True))
    edges = program.graph.edges

    for block in program.blocks:
        inside = np.isin(edges, block).all(axis=1)
        assert not inside.any()


def test_checkerboard_forced_on_odd_torus_fails(make_spec):
    ir = ModelIR(make_spec(side=11, torus=True))
    TopologyPass().run(ir)
    ir.passes_run.append("topology")

    with pytest.raises(PassError, match="checkerboard is not a proper colouring"):
        ColouringPass(method="checkerboard").run(ir)


def test_visible_nodes_on_visible_colour(make_spec):
    program = compile_model(make_spec(side=12, pattern="G8"))
    graph = program.graph

    assert np.all(graph.colour[graph.visible_node] == 0)
    assert np.all(graph.colour[graph.n_grid :] == INPUT_COLOUR)


def test_greedy_colouring_keeps_independent_visible_nodes_together(make_spec):
    """On an odd torus the visible nodes (even cells) still share no edge, so they get colour 0."""
    with pytest.warns(ColouringWarning):
        program = compile_model(make_spec(side=11, torus=True, place="raster"))
    graph = program.graph

    assert not np.isin(graph.edges, graph.visible_node).all(axis=1).any()
    assert np.all(graph.colour[graph.visible_node] == 0)


@pytest.mark.parametrize(
    ("phase", "free_roles"),
    [
        ("train_positive", {ROLE_HIDDEN}),
        ("train_negative", {ROLE_IMAGE, ROLE_LABEL, ROLE_HIDDEN}),
        ("generate_free", {ROLE_IMAGE, ROLE_LABEL, ROLE_HIDDEN}),
        ("generate_clamped", {ROLE_IMAGE, ROLE_HIDDEN}),
    ],
)
def test_schedule_phase_masks(make_spec, phase, free_roles):
    program = compile_model(make_spec())
    role = program.graph.role
    free = program.schedule[phase]

    assert free.dtype == bool
    assert free.shape == (program.n_nodes,)
    assert np.array_equal(free, np.isin(role, list(free_roles)))
    assert not free[role == ROLE_INPUT].any()


def test_blocks_partition_grid_in_colour_order(make_spec):
    program = compile_model(make_spec(side=10))
    graph = program.graph

    assert len(program.blocks) == 2
    assert np.array_equal(np.sort(np.concatenate(program.blocks)), np.arange(graph.n_grid))
    for colour, block in enumerate(program.blocks):
        assert np.all(graph.colour[block] == colour)


def test_placement_before_topology_rejected(make_spec):
    ir = ModelIR(make_spec())

    with pytest.raises(PassError, match="needs pass 'topology' to run first"):
        PlacementPass().check_requirements(ir)


def test_compile_ir_keeps_graph_for_inspection(make_spec):
    ir = compile_ir(make_spec())

    assert ir.graph.number_of_nodes() == ir.arrays.n_nodes
    assert ir.passes_run == ["topology", "placement", "coupling", "colouring", "schedule", "lower"]
