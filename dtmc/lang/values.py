"""Literal values of a model file or override, with the source span each came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lark import Token, Tree

from dtmc.errors import Span

__all__ = ["Value", "ValueKind", "value_from_tree", "span_of_tree", "span_of_token"]

ValueKind = Literal["int", "float", "word", "string", "range", "list", "tuple"]


@dataclass(frozen=True)
class Value:
    """One literal: a scalar, an integer range, a list or a tuple of values.

    `data` is an int, float or str for scalars, `(low, high)` for a range, and a tuple of `Value`
    for lists and tuples.
    """

    kind: ValueKind
    data: Any
    span: Span | None = None

    @property
    def text(self) -> str:
        """The value written back as model-file text, for messages."""
        if self.kind == "string":
            return f'"{self.data}"'
        if self.kind == "range":
            return f"{self.data[0]}..{self.data[1]}"
        if self.kind == "list":
            return "[" + ", ".join(item.text for item in self.data) + "]"
        if self.kind == "tuple":
            return "(" + ", ".join(item.text for item in self.data) + ")"
        return str(self.data)

    @property
    def is_number(self) -> bool:
        """Whether the value is an integer or a floating-point number."""
        return self.kind in ("int", "float")


def span_of_token(token: Token) -> Span:
    """Return the span of one token."""
    return Span(token.line, token.column, token.end_line, token.end_column)


def span_of_tree(tree: Tree) -> Span | None:
    """Return the span a parse-tree node covers, or None for an empty node."""
    meta = tree.meta
    if getattr(meta, "empty", True):
        return None
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def value_from_tree(node: Tree | Token) -> Value:
    """Convert a value subtree of the grammar (`int`, `float`, `word`, `string`, `range`, ...) to a Value.

    Args:
        node: a parse-tree node produced by the grammar's `value` rule.

    Returns:
        The value with its span.
    """
    kind = node.data
    if kind in ("int", "float", "word", "string"):
        token = node.children[0]
        span = span_of_token(token)
        if kind == "int":
            return Value("int", int(token), span)
        if kind == "float":
            return Value("float", float(token), span)
        if kind == "string":
            return Value("string", str(token)[1:-1], span)
        return Value("word", str(token), span)

    span = span_of_tree(node)
    if kind == "range":
        low, high = node.children
        return Value("range", (int(low), int(high)), span)

    items = tuple(value_from_tree(child) for child in node.children if child is not None)
    if kind == "tuple":
        return Value("tuple", items, span)
    # `list` and `comma_list` are both lists.
    return Value("list", items, span)
