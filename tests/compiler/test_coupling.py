"""Tests of the coupling pass: input nodes and the fixed J of every step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dtmc.compiler import compile_ir, compile_model
from dtmc.ir.model import step_graph
from dtmc.program.arrays import ROLE_INPUT
from dtmc.spec import DiffusionSpec


def expected_j(rate: float, t0: float, t1: float) -> float:
    """J = -1/2 ln tanh(rate (t1 - t0) / 2), and 0 for an infinite interval."""
    if math.isinf(t1):
        return 0.0
    return -0.5 * math.log(math.tanh(rate * (t1 - t0) / 2.0))


def test_linear_schedule_couplings(make_spec):
    program = compile_model(make_spec(steps=4, schedule="linear"))
    diffusion = DiffusionSpec(steps=4, schedule="linear")
    coupling = program.graph.coupling

    for k in range(4):
        t0, t1 = k / 4, (k + 1) / 4
        assert coupling[k, 0] == pytest.approx(expected_j(diffusion.image_rate, t0, t1), rel=1e-6)
        assert coupling[k, -1] == pytest.approx(expected_j(diffusion.label_rate, t0, t1), rel=1e-6)


def test_log_schedule_couplings(make_spec):
    program = compile_model(make_spec(steps=4, schedule="log"))
    diffusion = DiffusionSpec(steps=4, schedule="log")
    coupling = program.graph.coupling
    times = [-math.log(1 - k / 4) if k < 4 else math.inf for k in range(5)]

    for k in range(3):
        assert coupling[k, 0] == pytest.approx(expected_j(diffusion.image_rate, times[k], times[k + 1]), rel=1e-6)
        assert coupling[k, -1] == pytest.approx(expected_j(diffusion.label_rate, times[k], times[k + 1]), rel=1e-6)
    assert np.all(coupling[3] == 0.0)


def test_coupling_rows_per_role(make_spec):
    """Image spins share the image J and label spins the label J in every step."""
    program = compile_model(make_spec(steps=3, schedule="linear"))
    coupling = program.graph.coupling

    assert np.all(coupling[:, :16] == coupling[:, :1])
    assert np.all(coupling[:, 16:] == coupling[:, 16:17])
    assert np.all(coupling[:, 16] > coupling[:, 0])


def test_input_nodes_follow_numbering(make_spec):
    ir = compile_ir(make_spec())
    arrays = ir.arrays

    assert np.all(arrays.role[arrays.n_grid :] == ROLE_INPUT)
    for v in range(arrays.n_visible):
        assert list(ir.graph.adj[arrays.n_grid + v]) == [int(arrays.visible_node[v])]


def test_step_graph_has_scalar_weights(make_spec):
    ir = compile_ir(make_spec(steps=3, schedule="linear"))

    graph = step_graph(ir, 1)
    weights = [w for _, _, w in graph.edges(data="weight") if w is not None]

    assert len(weights) == ir.arrays.n_visible
    assert np.allclose(sorted(set(weights)), sorted(set(ir.arrays.coupling[1].tolist())), rtol=1e-6)
    assert "weights" in next(d for *_, d in ir.graph.edges(data=True) if d["kind"] == "coupling")
