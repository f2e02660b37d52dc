"""Tests of the placement pass: strategies, determinism and fit on one colour."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dtmc.compiler import compile_model
from dtmc.errors import PassError
from dtmc.passes.placement import place_visible, visible_candidates


@pytest.mark.parametrize("strategy", ["random", "raster", "spread"])
def test_placement_distinct_cells_on_colour_zero(strategy):
    nodes = place_visible(10, 30, strategy, seed=3)
    x, y = np.divmod(nodes, 10)

    assert nodes.shape == (30,)
    assert np.unique(nodes).size == 30
    assert np.all((x + y) % 2 == 0)


def test_raster_fills_first_cells():
    assert place_visible(4, 3, "raster", seed=0).tolist() == [0, 2, 5]


def test_spread_spaces_evenly():
    """A 4x4 grid has 8 colour-0 cells; 4 spins take every second one."""
    candidates = visible_candidates(4)

    assert place_visible(4, 4, "spread", seed=0).tolist() == candidates[[0, 2, 4, 6]].tolist()


def test_random_depends_only_on_seed():
    first = place_visible(20, 100, "random", seed=7)

    assert np.array_equal(first, place_visible(20, 100, "random", seed=7))
    assert not np.array_equal(first, place_visible(20, 100, "random", seed=8))


def test_placement_too_many_visible_rejected(make_spec):
    spec = make_spec(side=6, downsample=7)

    with pytest.raises(PassError, match="53 visible spins do not fit on the 18 free cells"):
        compile_model(spec)


def test_unknown_strategy_rejected():
    with pytest.raises(PassError, match="unknown placement strategy 'diagonal'; choose one of random, raster, spread"):
        place_visible(8, 4, "diagonal", seed=0)


def test_visible_numbering_matches_layout(make_spec):
    """Visible spins: 16 image pixels first, then label copy-major, class-minor."""
    program = compile_model(make_spec(classes=(3, 5), repeat=2))
    graph = program.graph

    assert graph.n_visible == 20
    assert np.all(graph.role[graph.visible_node[:16]] == 1)
    assert np.all(graph.role[graph.visible_node[16:]] == 2)


_COMPILE_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from conftest import tiny_spec
    from dtmc.compiler import compile_model
    from dtmc.program.artifact import save_program

    save_program(compile_model(tiny_spec(side=12, place_seed=5)), sys.argv[1])
    """
)


def test_artifact_same_across_hash_seeds(tmp_path):
    """Placement and everything else must not depend on set or dict iteration order."""
    outputs = []
    for hash_seed in ("0", "12345"):
        path = tmp_path / f"hash{hash_seed}.dtmp"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        subprocess.run(
            [sys.executable, "-c", _COMPILE_SCRIPT, str(path), str(Path(__file__).parent)],
            env=env,
            check=True,
        )
        outputs.append(path.read_bytes())

    assert outputs[0] == outputs[1]
