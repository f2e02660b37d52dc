"""`dtmc schedule` and the chip program: golden text, JSON registers, placement on a flawed chip."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from dtmc.chip.build import build_for_chip, report_lines
from dtmc.chip.schedule import SCHEMA_NAME, SCHEMA_VERSION, chip_program
from dtmc.chip.target import FixedPoint
from dtmc.cli import main
from dtmc.commands.schedule import load_program_or_model
from dtmc.compiler import compile_model
from dtmc.errors import TargetError
from dtmc.program.arrays import rule_offsets
from dtmc.spec import PATTERNS, GraphSpec
from tests.chip._helpers import chip

GOLDEN = Path(__file__).parent / "golden"
MODEL = GOLDEN / "tiny.dtm"


@pytest.fixture(scope="module")
def program():
    return load_program_or_model(str(MODEL))


def test_text_matches_golden(capsys):
    """Set DTMC_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change."""
    assert main(["schedule", str(MODEL), "--target", "chip70_g12"]) == 0
    text = capsys.readouterr().out
    golden = GOLDEN / "tiny_chip70.txt"
    if os.environ.get("DTMC_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_json_written_to_file(tmp_path, capsys):
    output = tmp_path / "chip.json"
    assert main(["schedule", str(MODEL), "--target", "chip70_g12", "--format", "json", "-o", str(output)]) == 0
    document = json.loads(output.read_text())
    assert document["schema"] == SCHEMA_NAME
    assert document["version"] == SCHEMA_VERSION
    assert "wrote" in capsys.readouterr().out


def test_json_registers_decode_to_quantised_weights(program):
    """Each edge's register sits at its first node's cell, in the direction reaching the second node."""
    target = chip()
    build = build_for_chip(program, target)
    document = json.loads(json.dumps(chip_program(build)))
    graph = program.graph
    offsets = rule_offsets(target.rules)
    node_at = {tuple(entry["cell"]): entry["node"] for entry in document["cells"]}

    for entry in document["steps"]:
        step = entry["step"]
        wanted = {(i, j): code for (i, j), code in zip(graph.edges.tolist(), build.params.weights[step].tolist())}
        decoded = {}
        for entry_cell in document["cells"]:
            x, y = entry_cell["cell"]
            for direction, code in enumerate(entry["registers"]["coupling"][entry_cell["node"]]):
                if code:
                    neighbour = node_at[((x + offsets[direction][0]) % 70, (y + offsets[direction][1]) % 70)]
                    decoded[(entry_cell["node"], neighbour)] = code
        assert decoded == {edge: code for edge, code in wanted.items() if code}
        assert entry["registers"]["bias"] == build.params.biases[step].tolist()
        assert entry["registers"]["input"] == build.params.couplings[step].tolist()


def test_steps_in_generation_order(program):
    document = chip_program(build_for_chip(program, chip()))
    assert [entry["step"] for entry in document["steps"]] == [1, 0]
    assert document["steps"][0]["phases"][1]["source"] == "noise"
    assert document["steps"][1]["phases"][1]["source"] == "output of step 1"


def test_exact_registers_are_floats(program):
    document = chip_program(build_for_chip(program, chip(), quantised=False))
    assert document["formats"]["exact"]
    first = document["steps"][0]["registers"]["coupling"][0]
    assert all(isinstance(value, float) for value in first)


def test_flawed_chip_placement_avoids_dead_cells(program):
    """chip96_g16 has dead cells (0, 50) and (95, 95); a 5x5 model lands at (0, 0) clear of both."""
    document = chip_program(build_for_chip(program, chip("chip96_g16")))
    used = {tuple(entry["cell"]) for entry in document["cells"]}
    assert not used & {(0, 50), (95, 95)}
    assert document["placement"]["offset"] == [0, 0]


def test_target_defaults_to_program_target(capsys):
    assert main(["schedule", str(MODEL), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["target"]["name"] == "chip70_g12"


def test_offset_option(capsys):
    assert main(["schedule", str(MODEL), "--target", "chip70_g12", "--offset", "10,20", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["cells"][0]["cell"] == [10, 20]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target", "jax"], "is the jax backend, not a chip"),
        (["--target", "chip99"], "unknown target 'chip99'"),
        (["--target", "chip70_g12", "--offset", "a,b"], "--offset 'a,b' is invalid"),
        (["--target", "chip70_g12", "--offset", "70,0"], "placement offset (70, 0) is out of range"),
    ],
    ids=["jax-target", "unknown-target", "bad-offset", "offset-range"],
)
def test_user_errors_exit_2(capsys, arguments, message):
    assert main(["schedule", str(MODEL), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_parameters_of_wrong_shape_rejected(program):
    with pytest.raises(TargetError, match=r"weights have shape \(2, 3\), but program 'tiny' needs"):
        build_for_chip(program, chip(), weights=np.zeros((2, 3)))


def test_report_lines(program):
    lines = report_lines(program, "chip70_g12", chains=10)
    assert lines[0].startswith("chip target chip70_g12: 70x70 torus")
    assert "placement: 5x5 model at chip offset (0, 0)" in lines[1]
    assert "per sample (2 steps x 50 sweeps, batch of 10): 2500 cell updates" in lines[3]


def test_compile_for_chip_records_facts(program):
    spec = program.spec
    compiled = compile_model(spec, target="chip96_g16")
    assert compiled.manifest["passes"][-2:] == ["fit", "quantise"]
    facts = compiled.manifest["facts"]
    assert facts["chip"]["offset"] == [0, 0]
    assert facts["quantise"]["weights"] == {"bits": 6, "range": 2.0}
    assert len(facts["quantise"]["couplings"]) == 2


def test_compile_for_chip_too_small_fails(program):
    import dataclasses

    spec = dataclasses.replace(program.spec, graph=GraphSpec(side=30, torus=True, pattern="G12", rules=PATTERNS["G12"]))
    with pytest.raises(TargetError, match="torus model grid of side 30 needs a torus chip of the same side"):
        compile_model(spec, target="chip70_g12")


def test_quantisation_reported_per_step(program):
    """A 4-bit +-0.05 fixed format clips every input coupling of step 0 (J above 1)."""
    target = chip(weights=FixedPoint(4, 0.05), biases=FixedPoint(4, 0.05), scale="fixed")
    document = chip_program(build_for_chip(program, target))
    for entry in document["steps"]:
        kinds = {stats["kind"]: stats for stats in entry["quantisation"]}
        assert set(kinds) == {"weights", "couplings", "biases"}
        assert kinds["weights"]["count"] == program.graph.edges.shape[0]
        assert kinds["weights"]["lsb"] == pytest.approx(0.05 / 8)
    step_zero = document["steps"][1]["quantisation"]
    assert {stats["kind"]: stats["clipped"] for stats in step_zero}["couplings"] == 6
