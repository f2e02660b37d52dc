"""Property test: token-level mutations of the examples give a spec or diagnostics, never a crash."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtmc.lang import check_model
from dtmc.resources import examples_dir

EXAMPLES = {path.stem: path.read_text(encoding="utf-8") for path in sorted(examples_dir().glob("*.dtm"))}

# Tokens as a reader sees them (words, numbers, punctuation), with the whitespace between kept.
_TOKEN = re.compile(r"\S+")

# Replacement tokens: every token of every example plus literals the examples never use.
_EXTRA_TOKENS = ["@", "-1", "0", "1e999", "0..", "..", "((", ")", "[", "]", ",", '"', '"x.npz"', "->",
                 "#", "}", "{", "99999999999999999999", "-0.0", "labels", "none", "free", "open"]
_POOL = sorted({token for text in EXAMPLES.values() for token in _TOKEN.findall(text)} | set(_EXTRA_TOKENS))


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    text = EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))]
    tokens = [(match.start(), match.end()) for match in _TOKEN.finditer(text)]
    pieces = [text[start:end] for start, end in tokens]

    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not pieces:
            break
        index = draw(st.integers(min_value=0, max_value=len(pieces) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "replace", "insert"]))
        if operation == "delete":
            del pieces[index]
        elif operation == "duplicate":
            pieces.insert(index, pieces[index])
        elif operation == "replace":
            pieces[index] = draw(st.sampled_from(_POOL))
        else:
            pieces.insert(index, draw(st.sampled_from(_POOL)))

    # Newlines between some tokens keep comments from swallowing the rest of the file.
    separators = draw(st.lists(st.sampled_from([" ", "\n"]), min_size=len(pieces), max_size=len(pieces)))
    return "".join(piece + separator for piece, separator in zip(pieces, separators))


@settings(max_examples=800, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated_example())
def test_mutated_examples_give_spec_or_diagnostics(text: str):
    spec, diagnostics = check_model(text, "mutated.dtm")
    if spec is None:
        assert any(d.severity == "error" for d in diagnostics)
    for diagnostic in diagnostics:
        rendered = diagnostic.render(text)
        assert rendered.startswith("mutated.dtm")


@settings(max_examples=500, deadline=2000, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("model{}[](),.-># \n\"x019_GLtrain")), max_size=80))
def test_random_text_gives_diagnostics(text: str):
    spec, diagnostics = check_model(text, "random.dtm")
    assert spec is not None or any(d.severity == "error" for d in diagnostics)
