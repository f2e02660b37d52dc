"""Did-you-mean hints and plain-word names for grammar terminals, used by every front-end message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean", "describe_expected"]

# Grammar terminals that are not keywords, named as a reader of an error message would name them.
_TERMINAL_WORDS = {
    "INT": "an integer",
    "FLOAT": "a number",
    "NAME": "a name",
    "STRING": 'a quoted string ("...")',
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "__ANON_0": "'->'",
    "$END": "the end of the file",
    "<END-OF-FILE>": "the end of the file",
}

# Above this many keywords an expected-token list stops helping, so it is summarised.
_MAX_LISTED_KEYWORDS = 6


def closest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice most similar to `word` (case-insensitive), or None if none is close.

    Similarity is difflib's ratio with a cutoff of 0.6; ties go to the earlier choice, so callers
    can list likelier choices first (`G13` gives `G12` before `G16`).

    Args:
        word: the misspelt word.
        choices: the valid words.

    Returns:
        The valid word, spelt as in `choices`, or None.
    """
    best, best_score = None, 0.6
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word.lower())
    for choice in choices:
        matcher.set_seq1(choice.lower())
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        if score > best_score or (best is None and score >= best_score):
            best, best_score = choice, score
    return best


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or "" when nothing is close."""
    match = closest(word, choices)
    return f"; did you mean '{match}'?" if match else ""


def describe_expected(terminals: dict[str, str | None]) -> str:
    """Describe a set of expected terminals as plain words, summarising long keyword lists.

    Args:
        terminals: terminal name mapped to its keyword text (None for patterns).

    Returns:
        Text such as "an integer or a number" or "a setting or section keyword, or '}'".
    """
    keywords = sorted(text for name, text in terminals.items() if text is not None and name not in _TERMINAL_WORDS)
    others = sorted({_TERMINAL_WORDS.get(name, name.lower()) for name, text in terminals.items()
                     if text is None or name in _TERMINAL_WORDS})

    # Value positions accept every kind of literal, so one phrase reads better than the list.
    if {"an integer", "a number", "a name"} <= set(others):
        others = [word for word in others if word not in ("an integer", "a number", "a name", 'a quoted string ("...")',
                                                         "'['", "'('")]
        others.insert(0, "a value")

    if len(keywords) > _MAX_LISTED_KEYWORDS:
        words = ["a setting or section keyword"] + others
    else:
        words = [f"'{keyword}'" for keyword in keywords] + others

    if len(words) == 1:
        return words[0]
    # A comma keeps "a setting or section keyword, or '}'" readable.
    joiner = ", or " if any(" or " in word for word in words) else " or "
    return ", ".join(words[:-1]) + joiner + words[-1]
