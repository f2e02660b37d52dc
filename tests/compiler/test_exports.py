"""Tests of the GraphML, DOT and SVG exports and of the `dtmc compile` command."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree

import networkx as nx
import pytest

from dtmc.cli import main
from dtmc.compiler import compile_ir
from dtmc.errors import DtmcError, PassError
from dtmc.program.artifact import load_program
from dtmc.program.exports import export_step, to_dot, to_graphml, to_svg


@pytest.fixture
def tiny_ir(make_spec):
    return compile_ir(make_spec(steps=3, schedule="linear"))


def test_graphml_round_trip(tiny_ir):
    graph = nx.read_graphml(io.StringIO(to_graphml(tiny_ir, 1)))

    assert graph.number_of_nodes() == tiny_ir.arrays.n_nodes
    assert graph.number_of_edges() == tiny_ir.graph.number_of_edges()
    coupling = [d["weight"] for *_, d in graph.edges(data=True) if d["kind"] == "coupling"]
    assert len(coupling) == tiny_ir.arrays.n_visible
    assert graph.nodes["0"]["x"] == 0
    assert graph.nodes["0"]["y"] == 0


def test_dot_lists_nodes_and_edges(tiny_ir):
    text = to_dot(tiny_ir, 0)

    assert text.startswith("graph tiny_step0 {")
    assert text.count(" -- ") == tiny_ir.graph.number_of_edges()
    assert text.count("kind=coupling") == tiny_ir.arrays.n_visible


def test_svg_is_deterministic_xml(tiny_ir):
    first = to_svg(tiny_ir, 0)

    assert first == to_svg(tiny_ir, 0)
    assert ElementTree.fromstring(first.encode()).tag.endswith("svg")
    assert "hidden, colour 1" in first


def test_export_step_out_of_range(tiny_ir, tmp_path):
    with pytest.raises(PassError, match="step 3 is out of range: the model has 3 steps, numbered 0 to 2"):
        export_step(tiny_ir, 3, "dot", tmp_path / "x.dot")


def test_export_unknown_format(tiny_ir, tmp_path):
    with pytest.raises(DtmcError, match="unknown export format 'png'"):
        export_step(tiny_ir, 0, "png", tmp_path / "x.png")


@pytest.fixture
def fake_front_end(make_spec, monkeypatch):
    """Stand in for `dtmc.lang.load_model`, recording the overrides it receives."""
    calls = []

    def load_model(path, overrides):
        calls.append((str(path), list(overrides)))
        return make_spec(steps=2)

    monkeypatch.setattr("dtmc.lang.load_model", load_model, raising=False)
    return calls


def test_cli_compile_writes_program_and_exports(fake_front_end, tmp_path, capsys):
    model = tmp_path / "tiny.dtm"
    model.write_text("# placeholder\n")

    status = main(
        ["compile", str(model), "--set", "train.epochs=1", "--emit", "svg", "--emit", "graphml", "--step", "1", "--timings"]
    )
    out = capsys.readouterr().out

    assert status == 0
    assert fake_front_end == [(str(model), ["train.epochs=1"])]
    assert load_program(tmp_path / "tiny.dtmp").sizes()["steps"] == 2
    assert (tmp_path / "tiny.step1.svg").is_file()
    assert (tmp_path / "tiny.step1.graphml").is_file()
    assert "pass topology" in out
    assert f"wrote {tmp_path / 'tiny.dtmp'}" in out


def test_cli_compile_print_after(fake_front_end, tmp_path, capsys):
    model = tmp_path / "tiny.dtm"
    model.write_text("# placeholder\n")

    status = main(["compile", str(model), "-o", str(tmp_path / "out.dtmp"), "--print-after", "colouring"])
    out = capsys.readouterr().out

    assert status == 0
    assert "== IR after 'colouring'" in out
    assert "== IR after 'placement'" not in out


def test_cli_compile_bad_step_is_user_error(fake_front_end, tmp_path, capsys):
    model = tmp_path / "tiny.dtm"
    model.write_text("# placeholder\n")

    status = main(["compile", str(model), "--emit", "dot", "--step", "5"])

    assert status == 2
    assert "--step 5 is out of range" in capsys.readouterr().err


def test_cli_compile_shipped_example(tmp_path, capsys):
    """The real front end and compiler together, on the quick MNIST example."""
    from dtmc.resources import examples_dir

    output = tmp_path / "quick.dtmp"

    status = main(["compile", str(examples_dir() / "quick_mnist.dtm"), "-o", str(output)])

    assert status == 0
    assert load_program(output).spec.name == "quick_mnist"
    assert f"wrote {output}" in capsys.readouterr().out
