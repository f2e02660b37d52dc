"""Checker behaviour: values land in the right spec fields, defaults, overrides, warnings, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import pytest

from dtmc.cli import main
from dtmc.errors import CheckError, DtmcError, DtmcSyntaxError
from dtmc.lang import check_model, load_model, parse_model
from dtmc.lang.summary import base_edge_count, summary_lines
from dtmc.spec import PATTERNS, GraphSpec, ModelSpec

FULL = """
model full {
  seed 7
  data     mnist  classes [1, 3..5]  size 28  downsample 14  encode grayscale levels 3 bits
  labels   one_hot repeat 2
  graph    grid 40 open  rules (0,1) (4,1)  place spread  seed 5
  diffuse  steps 2  schedule linear  offset 0.05  rate image 2.5 label 0.5
  train    epochs 3  batch 32  warmup 10  samples 4 every 2  beta 1.1
           adam lr [0.01, 0.02]  cosine alpha 0.3 over 2 epochs
           penalty fixed [0.001, 0.002]  weight_decay 0.0001
           eval every 1  seed 9  examples 640
  generate beta 0.7 -> 1.3 over 50 sweeps  per_class 8  labels free
  target   jax
}
"""

MINIMAL = "model tiny { data mnist_small downsample 14  labels one_hot repeat 4  graph grid 30 }"


def _errors(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    _, diagnostics = check_model(text, "m.dtm", overrides)
    return [d.message for d in diagnostics if d.severity == "error"]


def test_full_file_sets_every_field():
    spec, diagnostics = check_model(FULL, "full.dtm")
    assert [d.severity for d in diagnostics] == []
    assert spec is not None
    assert spec.seed == 7
    assert spec.data.source == "mnist"
    assert spec.data.classes == (1, 3, 4, 5)
    assert (spec.data.image_size, spec.data.downsample) == (28, 14)
    assert (spec.data.encoding, spec.data.levels, spec.data.code) == ("grayscale", 3, "bits")
    assert (spec.labels.kind, spec.labels.repeat) == ("one_hot", 2)
    assert (spec.graph.side, spec.graph.torus, spec.graph.pattern) == (40, False, None)
    assert spec.graph.rules == ((0, 1), (4, 1))
    assert (spec.graph.place, spec.graph.place_seed) == ("spread", 5)
    assert (spec.diffusion.steps, spec.diffusion.schedule, spec.diffusion.offset) == (2, "linear", 0.05)
    assert (spec.diffusion.image_rate, spec.diffusion.label_rate) == (2.5, 0.5)
    train = spec.train
    assert (train.epochs, train.batch, train.warmup, train.samples, train.every) == (3, 32, 10, 4, 2)
    assert train.beta == 1.1
    assert train.lr == (0.01, 0.02)
    assert (train.cosine_alpha, train.decay_epochs) == (0.3, 2)
    assert (train.penalty.kind, train.penalty.values) == ("fixed", (0.001, 0.002))
    assert train.weight_decay == 0.0001
    assert (train.eval_every, train.seed, train.train_examples) == (1, 9, 640)
    generate = spec.generate
    assert (generate.beta_start, generate.beta_end, generate.sweeps) == (0.7, 1.3, 50)
    assert (generate.per_class, generate.labels) == (8, "free")
    assert spec.target == "jax"
    assert spec.source_text == FULL
    assert spec.source_path == "full.dtm"


def test_unset_fields_keep_spec_defaults():
    spec, _ = check_model(MINIMAL)
    default = ModelSpec(name="tiny")
    assert spec is not None
    assert spec.train == default.train
    assert spec.diffusion == default.diffusion
    assert spec.generate == default.generate
    assert spec.graph.rules == PATTERNS["G12"]
    assert spec.data.source == "mnist_small"


def test_single_generate_beta_is_constant():
    spec, _ = check_model(MINIMAL[:-1] + " generate beta 1.0 }")
    assert spec is not None
    assert (spec.generate.beta_start, spec.generate.beta_end) == (1.0, 1.0)


def test_labels_in_generate_does_not_open_section():
    text = "model m { data mnist_small downsample 14 generate labels free per_class 4 labels one_hot repeat 4 graph grid 30 }"
    spec, diagnostics = check_model(text)
    assert spec is not None, diagnostics
    assert spec.generate.labels == "free"
    assert spec.generate.per_class == 4
    assert spec.labels.repeat == 4


def test_overrides_change_fields():
    spec, diagnostics = check_model(MINIMAL, overrides=[
        "train.epochs=5", "graph.side=44", "graph.pattern=G16", "train.lr=0.01,0.02",
        "diffusion.steps=2", "generate.labels=free", "data.classes=0..4", "graph.torus=open",
    ])
    assert spec is not None, diagnostics
    assert spec.train.epochs == 5
    assert spec.graph.side == 44
    assert spec.graph.rules == PATTERNS["G16"]
    assert spec.train.lr == (0.01, 0.02)
    assert spec.diffusion.steps == 2
    assert spec.generate.labels == "free"
    assert spec.data.classes == (0, 1, 2, 3, 4)
    assert not spec.graph.torus


def test_override_rules_replace_file_pattern():
    spec, diagnostics = check_model(MINIMAL, overrides=["graph.rules=(0,1) (4,1)"])
    assert spec is not None, diagnostics
    assert spec.graph.pattern is None
    assert spec.graph.rules == ((0, 1), (4, 1))


def test_override_penalty_kind_drops_file_options():
    text = MINIMAL[:-1] + " train penalty adaptive threshold 0.01 floor 0.001 }"
    spec, diagnostics = check_model(text, overrides=["train.penalty.kind=none"])
    assert spec is not None, diagnostics
    assert spec.train.penalty.kind == "none"


def test_override_unknown_path_suggests():
    messages = _errors(MINIMAL, ("train.epoch=5",))
    assert messages == ["unknown setting 'train.epoch'; did you mean 'train.epochs'?"]


def test_override_without_equals():
    assert _errors(MINIMAL, ("train.epochs",)) == ["override 'train.epochs' is not of the form path=value"]


def test_override_value_checked_like_file():
    _, diagnostics = check_model(MINIMAL, "m.dtm", ["train.epochs=0"])
    assert [d.message for d in diagnostics] == ["epochs must be at least 1, got 0"]
    assert diagnostics[0].path == "--set train.epochs=0"
    assert diagnostics[0].span is None


def test_override_invalid_value_syntax():
    messages = _errors(MINIMAL, ("train.lr=[0.1",))
    assert len(messages) == 1
    assert messages[0].startswith("cannot read the value of 'train.lr'")


def test_all_errors_reported_together():
    text = "model m { data mnist_small downsample 13 graph grid 31 diffuse steps 0 train batch 0 target nowhere }"
    messages = _errors(text)
    assert len(messages) == 5


def test_target_file_relative_to_model(tmp_path: Path):
    (tmp_path / "my_chip.yaml").write_text("backend: emulator\n")
    model = tmp_path / "m.dtm"
    model.write_text(MINIMAL[:-1] + ' target "my_chip.yaml" }')
    spec = load_model(model)
    assert spec.target == str(tmp_path / "my_chip.yaml")


def test_data_file_relative_to_model(tmp_path: Path):
    (tmp_path / "digits.npz").write_bytes(b"")
    model = tmp_path / "m.dtm"
    model.write_text('model m { data file "digits.npz" downsample 14 labels one_hot repeat 4 graph grid 30 }')
    spec = load_model(model)
    assert spec.data.source == str(tmp_path / "digits.npz")


def test_load_model_raises_check_error(tmp_path: Path):
    model = tmp_path / "m.dtm"
    model.write_text("model m { diffuse steps 0 offset 2 }")
    with pytest.raises(CheckError) as caught:
        load_model(model)
    assert len(caught.value.diagnostics) == 2
    assert caught.value.source == model.read_text()
    assert f"{model}:1:25: error: steps must be at least 1, got 0" in str(caught.value)


def test_load_model_raises_syntax_error(tmp_path: Path):
    model = tmp_path / "m.dtm"
    model.write_text("model m { diffuse steps }")
    with pytest.raises(DtmcSyntaxError):
        load_model(model)


def test_load_model_missing_file(tmp_path: Path):
    with pytest.raises(DtmcError, match="not found"):
        load_model(tmp_path / "absent.dtm")


def test_load_model_warns(tmp_path: Path):
    model = tmp_path / "m.dtm"
    model.write_text("model m { data mnist_small downsample 14 labels one_hot repeat 4 graph grid 80 }")
    with pytest.warns(UserWarning, match="visible spins fill 4% of the grid"):
        load_model(model)


def test_linear_schedule_warns():
    _, diagnostics = check_model(MINIMAL[:-1] + " diffuse steps 2 schedule linear }")
    warnings_ = [d.message for d in diagnostics if d.severity == "warning"]
    assert warnings_ == [
        "with the linear schedule the last step's input flips only 30% of bits, "
        "but generation starts from pure noise (50%)"
    ]


def test_parse_model_keeps_positions():
    tree = parse_model("model m {\n  train epochs 5\n}")
    epochs = next(tree.find_data("epochs"))
    assert (epochs.meta.line, epochs.meta.column) == (2, 9)


def test_cli_check_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    model = tmp_path / "m.dtm"
    model.write_text("model m { graph grid 31 pattern G13 }")
    assert main(["check", str(model)]) == 2
    err = capsys.readouterr().err
    assert "unknown pattern 'G13'; did you mean 'G12'?" in err
    assert "a torus needs an even grid side" in err
    assert "2 errors" in err


def test_cli_check_set_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    model = tmp_path / "m.dtm"
    model.write_text(MINIMAL)
    assert main(["check", str(model), "--set", "graph.side=32", "--set", "graph.pattern=G8"]) == 0
    assert "32x32 torus, pattern G8, degree 8" in capsys.readouterr().out


def test_summary_counts():
    spec, _ = check_model(MINIMAL)
    lines = "\n".join(summary_lines(spec))
    assert "nodes/step  1136 (900 grid + 236 inputs)" in lines
    assert "visible     236 (196 image + 40 label), 26.2% of the grid" in lines
    assert "hidden      664" in lines
    assert "parameters  6300 per step (5400 edges + 900 biases)" in lines


def _networkx_edges(graph: GraphSpec) -> int:
    """Count edges by building the grid graph cell by cell (the slow, obvious way)."""
    g = nx.Graph()
    side = graph.side
    for x in range(side):
        for y in range(side):
            for a, b in graph.rules:
                for dx, dy in ((a, b), (-b, a), (-a, -b), (b, -a)):
                    nx_, ny_ = x + dx, y + dy
                    if graph.torus:
                        nx_, ny_ = nx_ % side, ny_ % side
                    elif not (0 <= nx_ < side and 0 <= ny_ < side):
                        continue
                    if (nx_, ny_) != (x, y):
                        g.add_edge((x, y), (nx_, ny_))
    return g.number_of_edges()


@pytest.mark.parametrize("side,torus,pattern", [
    (12, True, "G8"), (13, False, "G8"), (22, True, "G12"), (21, False, "G12"), (2, True, "G8"), (8, True, "G8"),
    (4, True, "G8"), (5, False, "G12"), (20, True, "G12"), (18, True, "G12"), (24, True, "G20"), (30, False, "G20"),
])
def test_base_edge_count_matches_networkx(side: int, torus: bool, pattern: str):
    graph = GraphSpec(side=side, torus=torus, pattern=pattern, rules=PATTERNS[pattern])
    assert base_edge_count(graph) == _networkx_edges(graph)


def test_no_warning_for_examples_via_load_model():
    from dtmc.resources import examples_dir

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(examples_dir() / "quick_mnist.dtm")


def test_override_nesting_too_deep():
    messages = _errors(MINIMAL, ("graph.rules=" + "(" * 3000 + "0" + ")" * 3000,))
    assert len(messages) == 1
    assert "nested more than 16 brackets deep" in messages[0]


def test_long_class_range_is_not_expanded():
    messages = _errors("model m { data mnist classes 0..1000000000 }")
    assert messages == ["range 0..1000000000 names 1000000001 classes, more than 100000"]


def test_seed_must_fit_32_bits():
    messages = _errors(MINIMAL[:-1] + " train seed 4294967296 }")
    assert messages == ["training seed must be at most 4294967295, got 4294967296"]


def test_cli_check_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    binary = tmp_path / "binary.dtm"
    binary.write_bytes(b"model m { \xff }")
    assert main(["check", str(binary), str(tmp_path), str(tmp_path / "absent.dtm")]) == 2
    err = capsys.readouterr().err
    assert f"{binary}: error: cannot read model file: 'utf-8' codec can't decode" in err
    assert f"{tmp_path}: error: cannot read model file: Is a directory" in err
    assert "absent.dtm: error: cannot read model file: No such file or directory" in err
