"""Syntax-error recovery: find where a broken setting starts and ends so the parser can go on."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedInput, UnexpectedToken

from dtmc.errors import Diagnostic, Span

__all__ = ["END_NAMES", "MAX_NESTING", "error_position", "body_start", "blank_broken_item", "nesting_error"]

# Names lark gives the end of the input, as a token type and in expected-terminal sets.
END_NAMES = frozenset({"$END", "<END-OF-FILE>"})

# Deepest bracket nesting a value may have.
MAX_NESTING = 16

# Comments, strings (closed or not), words and closing braces, for finding where settings start.
_SCAN = re.compile(r'#[^\n]*|"[^"\n]*"?|[A-Za-z_][A-Za-z0-9_]*|}')

# Comments, strings and opening braces, for finding where the model body starts.
_BRACE = re.compile(r'#[^\n]*|"[^"\n]*"?|[{]')

# Comments, strings and brackets, for measuring how deeply values nest.
_BRACKETS = re.compile(r'#[^\n]*|"[^"\n]*"?|[\[\]()]')


def error_position(error: UnexpectedInput) -> int | None:
    """Return the character offset of a syntax error, or None at the end of the text."""
    if isinstance(error, UnexpectedToken) and error.token.type in END_NAMES:
        return None
    position = getattr(error, "pos_in_stream", None)
    return position if isinstance(position, int) and position >= 0 else None


def blank_broken_item(text: str, position: int, error: UnexpectedInput, item_terminals: frozenset[str],
                      item_words: set[str]) -> str | None:
    """Replace the setting around a syntax error with spaces, keeping every other offset.

    When the parser expected a new setting at the error, the blanked span starts at the error.
    Otherwise it starts at the keyword of the setting that the error interrupted. It ends before
    the next setting keyword or closing brace after the error.

    Args:
        text: the text that failed to parse.
        position: the error's character offset.
        error: the lark exception.
        item_terminals: terminal names that start a setting or section.
        item_words: the keyword texts of those terminals.

    Returns:
        The new text, or None when nothing can be blanked.
    """
    starts = _item_starts(text, item_words)
    expected = set(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())
    # Past the model's closing brace there is no setting to blank.
    if expected <= END_NAMES:
        return None
    between_items = bool(expected & item_terminals)
    if between_items:
        low = position
    else:
        before = [start for start in starts if start < position]
        low = before[-1] if before else position
    after = [start for start in starts if start > position]
    if position in starts and not between_items:
        high = position
    elif after:
        high = after[0]
    else:
        return None
    if high <= low:
        return None
    blank = "".join(char if char == "\n" else " " for char in text[low:high])
    return text[:low] + blank + text[high:]


def body_start(text: str) -> int:
    """Return the offset of the model's opening `{`, or the text length when there is none."""
    for match in _BRACE.finditer(text):
        if match.group() == "{":
            return match.start()
    return len(text)


def _item_starts(text: str, words: set[str]) -> list[int]:
    """Return the offsets of every setting or section keyword and every `}` in `text`."""
    starts = []
    for match in _SCAN.finditer(text):
        token = match.group()
        if token == "}" or token in words:
            starts.append(match.start())
    return starts


def nesting_error(text: str, path: str) -> Diagnostic | None:
    """Return an error for brackets nested deeper than `MAX_NESTING`, or None.

    Deep nesting has no use in a model file, and the recursive tree walk would exhaust Python's
    stack on thousands of levels.
    """
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth = max(depth - 1, 0)
        if depth > MAX_NESTING:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return Diagnostic(
                f"values are nested more than {MAX_NESTING} brackets deep",
                Span(line, column, line, column + 1),
                hint="lists and pairs nest at most a few levels, e.g. rules [(0,1), (4,1)]",
                path=path,
            )
    return None
