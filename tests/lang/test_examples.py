"""Every shipped example checks cleanly, through the API and through `dtmc check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtmc.cli import main
from dtmc.lang import check_model, load_model
from dtmc.resources import examples_dir

EXAMPLES = sorted(examples_dir().glob("*.dtm"))


def test_examples_exist():
    names = {path.stem for path in EXAMPLES}
    assert {"quick_mnist", "fashion_acp", "fashion_mebm", "degree_ablation_g20", "grayscale_mnist"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_has_no_diagnostics(path: Path):
    spec, diagnostics = check_model(path.read_text(encoding="utf-8"), str(path))
    assert diagnostics == []
    assert spec is not None
    assert spec.name == path.stem


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_dtmc_check_exits_zero(path: Path, capsys: pytest.CaptureFixture[str]):
    status = main(["check", str(path)])
    output = capsys.readouterr()
    assert status == 0
    assert output.err == ""
    assert f"model {path.stem}" in output.out


def test_load_model_fills_source(tmp_path: Path):
    path = examples_dir() / "quick_mnist.dtm"
    spec = load_model(path)
    assert spec.source_text == path.read_text(encoding="utf-8")
    assert spec.source_path == str(path)


def test_fashion_acp_matches_published_setup():
    spec = load_model(examples_dir() / "fashion_acp.dtm")
    assert spec.data.source == "fashion_mnist"
    assert spec.diffusion.steps == 8
    assert spec.graph.side == 70
    assert spec.graph.torus
    assert spec.graph.pattern == "G12"
    assert spec.diffusion.offset == 0.15
    assert spec.train.lr == (0.016,)
    assert spec.train.penalty.kind == "adaptive"
    assert spec.train.penalty.threshold == 0.008
    assert spec.train.penalty.floor == 0.001
    assert (spec.train.epochs, spec.train.batch, spec.train.warmup) == (150, 400, 400)
    assert (spec.train.samples, spec.train.every) == (50, 8)
    assert (spec.generate.beta_start, spec.generate.beta_end) == (0.8, 1.2)
    assert spec.generate.sweeps == 800
    assert spec.generate.per_class == 512


def test_examples_differ_from_fashion_acp_where_documented():
    mebm = load_model(examples_dir() / "fashion_mebm.dtm")
    ablation = load_model(examples_dir() / "degree_ablation_g20.dtm")
    grayscale = load_model(examples_dir() / "grayscale_mnist.dtm")
    assert mebm.diffusion.steps == 1
    assert (ablation.diffusion.steps, ablation.graph.side, ablation.graph.pattern) == (4, 60, "G20")
    assert ablation.train.epochs == 20
    assert (grayscale.data.encoding, grayscale.data.levels, grayscale.data.code) == ("grayscale", 4, "thermometer")
