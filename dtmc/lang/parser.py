"""Parse `.dtm` text with the lark grammar and turn syntax errors into compiler-style diagnostics."""

from __future__ import annotations

import functools

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from dtmc.errors import Diagnostic, DtmcSyntaxError, Span
from dtmc.lang.recovery import END_NAMES, blank_broken_item, body_start, error_position, nesting_error
from dtmc.lang.suggestions import closest, describe_expected
from dtmc.lang.values import Value, value_from_tree
from dtmc.resources import grammar_path

__all__ = ["grammar", "parse_model", "parse_value", "keyword_texts", "item_keywords"]

# Past this many syntax errors, later ones are mostly echoes of the first.
_MAX_SYNTAX_ERRORS = 20


@functools.cache
def grammar() -> Lark:
    """Return the LALR parser for `.dtm` files, built once per process from the shipped grammar."""
    text = grammar_path().read_text(encoding="utf-8")
    return Lark(
        text,
        parser="lalr",
        lexer="contextual",
        start=["model", "override"],
        propagate_positions=True,
        maybe_placeholders=False,
    )


@functools.cache
def keyword_texts() -> dict[str, str]:
    """Return each keyword terminal's name mapped to its literal text (`EPOCHS` -> `epochs`)."""
    return {
        terminal.name: terminal.pattern.value
        for terminal in grammar().terminals
        if isinstance(terminal.pattern, PatternStr)
    }


@functools.cache
def item_keywords() -> frozenset[str]:
    """Return the terminal names that can start a setting or section, read from the parse table."""
    interactive = grammar().parse_interactive("model m {", start="model")
    interactive.exhaust_lexer()
    return frozenset(interactive.accepts()) - {"RBRACE"}


def _item_words() -> set[str]:
    keywords = keyword_texts()
    return {keywords[name] for name in item_keywords()}


def parse_model(text: str, path: str = "<input>") -> Tree:
    """Parse the text of a model file into a lark tree with source positions.

    After a syntax error the parser blanks out the broken setting and parses again, so one run
    reports every syntax error that is independent of the others.

    Args:
        text: the model file's contents.
        path: the file name shown in diagnostics.

    Returns:
        The `model` tree.

    Raises:
        DtmcSyntaxError: if the grammar rejects the text; it carries one diagnostic per error.
    """
    too_deep = nesting_error(text, path)
    if too_deep is not None:
        raise DtmcSyntaxError(too_deep.message, [too_deep], text)

    diagnostics: list[Diagnostic] = []
    current = text
    last_position = -1
    while True:
        try:
            tree = grammar().parse(current, start="model")
        except UnexpectedInput as error:
            diagnostics.append(syntax_diagnostic(error, text, path))
            position = error_position(error)
            # Stop at errors in the model header, when blanking cannot move past this error, or
            # after enough errors to act on.
            if position is None or position <= body_start(current) or position <= last_position \
                    or len(diagnostics) >= _MAX_SYNTAX_ERRORS:
                break
            blanked = blank_broken_item(current, position, error, item_keywords(), _item_words())
            if blanked is None:
                break
            current, last_position = blanked, position
            continue
        if not diagnostics:
            return tree
        break
    raise DtmcSyntaxError(diagnostics[0].message, diagnostics, text)


def parse_value(text: str, path: str) -> Value:
    """Parse a single value as written after a model-file keyword, e.g. `0.01,0.02` or `0..9`.

    Args:
        text: the value text.
        path: what to name as the origin in a diagnostic, e.g. `--set train.lr=0.01`.

    Returns:
        The value; its span refers to columns of `text`.

    Raises:
        DtmcSyntaxError: if `text` is not one value.
    """
    too_deep = nesting_error(text, path)
    if too_deep is not None:
        raise DtmcSyntaxError(too_deep.message, [too_deep], text)
    try:
        tree = grammar().parse(text, start="override")
    except UnexpectedInput as error:
        diagnostic = syntax_diagnostic(error, text, path)
        # An override has no model braces, so text after a complete value needs its own message.
        if isinstance(error, UnexpectedToken) and set(error.expected) <= END_NAMES:
            diagnostic = Diagnostic(f"unexpected '{error.token}' after the value", diagnostic.span,
                                    hint="write a list as [a, b] or a, b", path=path)
        raise DtmcSyntaxError(diagnostic.message, [diagnostic], text) from None
    if tree.data == "tuple_sequence":
        items = tuple(value_from_tree(child) for child in tree.children)
        return Value("list", items, items[0].span)
    return value_from_tree(tree.children[0])


def syntax_diagnostic(error: UnexpectedInput, text: str, path: str) -> Diagnostic:
    """Describe a lark parse error in plain words, with a did-you-mean for misspelt keywords.

    Args:
        error: the exception lark raised.
        text: the parsed text, used to place errors at the end of the file.
        path: the file name shown in the diagnostic.

    Returns:
        One error diagnostic.
    """
    keywords = keyword_texts()
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, path)
    if isinstance(error, UnexpectedToken):
        return _unexpected_token(error, text, keywords, path)
    line, column = max(error.line, 1), max(error.column, 1)
    return Diagnostic("invalid syntax", Span(line, column), path=path)


def _expected_terminals(names: set[str], keywords: dict[str, str]) -> dict[str, str | None]:
    """Map the expected terminal names to their keyword text, or None for patterns."""
    return {name: keywords.get(name) for name in names if name not in ("WS", "COMMENT")}


def _after(history: list[Token] | None) -> str:
    """Return " after 'epochs'" for the last token read, or "" when none is known."""
    if history and history[-1] is not None and str(history[-1]):
        return f" after '{history[-1]}'"
    return ""


def _unexpected_token(error: UnexpectedToken, text: str, keywords: dict[str, str], path: str) -> Diagnostic:
    token = error.token
    expected = _expected_terminals(set(error.expected), keywords)
    expected_text = describe_expected(expected)

    if token.type in END_NAMES:
        line, column = _end_position(text)
        return Diagnostic(
            f"unexpected end of file; expected {expected_text}",
            Span(line, column),
            hint="every 'model NAME {' needs a closing '}'" if "RBRACE" in expected else None,
            path=path,
        )

    span = Span(token.line, token.column, token.end_line, token.end_column)
    if expected and set(expected) <= END_NAMES:
        return Diagnostic(f"unexpected '{token}' after the closing '}}' of the model", span,
                          hint="a file contains one model; remove what follows its '}'", path=path)

    expected_keywords = [text_ for text_ in expected.values() if text_ is not None and text_.isidentifier()]

    # A word where only keywords fit is most often a misspelt keyword.
    if token.type == "NAME" and "NAME" not in expected:
        match = closest(str(token), expected_keywords)
        if match is not None:
            return Diagnostic(f"unknown keyword '{token}'; did you mean '{match}'?", span, path=path)
        anywhere = closest(str(token), [text_ for text_ in keywords.values() if text_.isidentifier()])
        hint = f"'{anywhere}' is a keyword, but it cannot appear here" if anywhere else None
        return Diagnostic(f"unknown keyword '{token}'; expected {expected_text}", span, hint=hint, path=path)

    token_text = f"'{token}'" if str(token) else token.type
    return Diagnostic(f"unexpected {token_text}{_after(error.token_history)}; expected {expected_text}", span,
                      path=path)


def _unexpected_character(error: UnexpectedCharacters, path: str) -> Diagnostic:
    span = Span(error.line, error.column, error.line, error.column + 1)
    if error.char == '"':
        return Diagnostic(
            "unterminated string",
            span,
            hint='a quoted string must end with " on the same line',
            path=path,
        )
    # Control characters such as NUL print as nothing, so show them escaped.
    char = error.char if error.char.isprintable() else repr(error.char)[1:-1]
    return Diagnostic(
        f"unexpected character '{char}'{_after(error.token_history)}",
        span,
        hint="settings are keywords such as 'epochs'; values are numbers, names, \"quoted strings\", "
             "ranges 0..9, lists [a, b] or pairs (a, b); '#' starts a comment",
        path=path,
    )


def _end_position(text: str) -> tuple[int, int]:
    """Return the 1-based line and column just past the last non-blank character of `text`."""
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1
