"""The model shown in docs/language.md must stay a valid model file."""

import re
from pathlib import Path

from dtmc.lang import check_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"


def test_language_doc_example_checks():
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```\n(# Comments.*?)```", text, re.S)
    assert example is not None, "docs/language.md lost its example model"

    spec, diagnostics = check_model(example.group(1), "language.md")

    assert diagnostics == []
    assert spec is not None
    assert spec.name == "quick_mnist"
