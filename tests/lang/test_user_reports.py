"""Front-end defects found by trying bad model files and overrides as a new user would."""

from __future__ import annotations

import time

import pytest

from dtmc.cli import main
from dtmc.lang import check_model

BASE = "model m {{ data mnist downsample 2  labels none  graph grid {side} {boundary} {graph}  diffuse steps 2 {diffuse} }}"


def _model(side: int = 12, boundary: str = "torus", graph: str = "rules (1,0)", diffuse: str = "") -> str:
    return BASE.format(side=side, boundary=boundary, graph=graph, diffuse=diffuse)


def _errors(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    _, diagnostics = check_model(text, "m.dtm", overrides)
    return [d.message for d in diagnostics if d.severity == "error"]


@pytest.mark.parametrize(
    ("side", "rules"),
    [(12, "(1,0) (11,0)"), (6, "(1,0) (3,0)")],
    ids=["equal-modulo-side", "self-inverse"],
)
def test_torus_rules_equal_modulo_side(side, rules):
    errors = _errors(_model(side=side, graph=f"rules {rules}"))
    assert len(errors) == 1
    assert "torus" in errors[0] or "duplicates" in errors[0]


def test_open_grid_rules_do_not_wrap():
    assert _errors(_model(side=12, boundary="open", graph="rules (1,0) (11,0)")) == []


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("graph.side=100000", "at most 1024"),
        ("diffusion.steps=100000000", "at most 1000"),
        ("graph.side=1000", "base edges"),
        ("diffusion.steps=1000", "trainable parameters"),
    ],
)
def test_model_too_large_to_compile(override, words):
    errors = _errors(_model(side=400, graph="pattern G20"), (override,))
    assert len(errors) == 1
    assert words in errors[0]


def test_huge_image_size_checks_quickly(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"")
    text = 'model m { data file "d.npz" size 1000000000000 downsample 7 }'
    start = time.perf_counter()
    errors = _errors(text.replace("d.npz", str(tmp_path / "d.npz")))
    assert time.perf_counter() - start < 5
    assert any("at most 4096" in error for error in errors)


@pytest.mark.parametrize("rate", ["image_rate", "label_rate"])
def test_rate_too_small_for_coupling(rate):
    errors = _errors(_model(graph="pattern G8", side=30), (f"diffusion.{rate}=5e-324",))
    assert len(errors) == 1
    assert "too small" in errors[0]


def test_compile_tiny_rate_exits_2(tmp_path, capsys):
    model = tmp_path / "m.dtm"
    model.write_text(_model(side=30, graph="pattern G8"))
    status = main(["compile", str(model), "-o", str(tmp_path / "m.dtmp"), "--set", "diffusion.image_rate=4e-324"])
    assert status == 2
    assert "too small" in capsys.readouterr().err
    assert not (tmp_path / "m.dtmp").exists()


def test_torus_hint_suggests_even_side():
    _, diagnostics = check_model(_model(side=200, graph="pattern G12"), "m.dtm")
    hints = [d.hint for d in diagnostics if d.severity == "warning" and "visible" in d.message]
    suggested = int(hints[0].split("grid side near ")[1].split()[0])
    assert suggested % 2 == 0


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.dtm"
    path.write_bytes(b"\xef\xbb\xbf" + _model(side=30, graph="pattern G8").encode())
    assert main(["check", "-q", str(path)]) == 0


@pytest.mark.parametrize("value", ["5 6", "5}"])
def test_override_extra_text_after_value(value):
    errors = _errors(_model(side=30, graph="pattern G8"), (f"train.epochs={value}",))
    assert len(errors) == 1
    assert "after the value" in errors[0]
    assert "closing" not in errors[0]


def test_control_character_is_shown_escaped():
    errors = _errors(_model(side=30, graph="pattern G8") + "\x00")
    assert errors == ["unexpected character '\\x00' after '}'"]


def test_many_repeated_settings_are_capped():
    text = "model m { data mnist train " + "epochs 5 " * 3000 + "}"
    _, diagnostics = check_model(text, "m.dtm")
    assert len(diagnostics) == 51
    assert diagnostics[-1].message == "2949 more diagnostics not shown"
