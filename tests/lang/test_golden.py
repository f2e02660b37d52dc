"""Golden diagnostics: each file in bad/ breaks one rule; its .expected file contains the exact output.

Set DTMC_UPDATE_GOLDEN=1 to rewrite the .expected files after an intended change, then review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dtmc.errors import render_diagnostics
from dtmc.lang import check_model

BAD_DIR = Path(__file__).parent / "bad"
BAD_FILES = sorted(BAD_DIR.glob("*.dtm"))


def _render(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    spec, diagnostics = check_model(text, path.name)
    assert spec is None, f"{path.name} was accepted"
    return render_diagnostics(diagnostics, text) + "\n"


def test_golden_cover_many_rules():
    assert len(BAD_FILES) >= 25


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_golden_diagnostics(path: Path, monkeypatch: pytest.MonkeyPatch):
    # Relative paths in the bad files resolve against the current folder; keep it fixed.
    monkeypatch.chdir(BAD_DIR)
    rendered = _render(path)
    expected_path = path.with_suffix(".expected")
    if os.environ.get("DTMC_UPDATE_GOLDEN") == "1":
        expected_path.write_text(rendered, encoding="utf-8")
    assert rendered == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BAD_FILES, ids=[path.stem for path in BAD_FILES])
def test_golden_first_error_has_position(path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(BAD_DIR)
    _, diagnostics = check_model(path.read_text(encoding="utf-8"), path.name)
    errors = [d for d in diagnostics if d.severity == "error"]
    assert errors
    assert errors[0].span is not None
    assert errors[0].span.line >= 1
    assert errors[0].span.column >= 1
