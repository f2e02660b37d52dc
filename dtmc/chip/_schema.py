"""Field-by-field schema of target YAML files, checked on the YAML node tree so errors keep positions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from dtmc.errors import Diagnostic, Span
from dtmc.spec import PATTERNS

__all__ = ["FieldRule", "SCHEMA", "check_document"]

_REQUIRED = object()


@dataclass(frozen=True)
class FieldRule:
    """One key of a target file: its kind, default (required when absent) and allowed values."""

    key: str
    """Dotted key path, such as `weights.bits`."""
    kind: Literal["section", "str", "int", "float", "bool", "choice", "rules", "cells"]
    default: Any = _REQUIRED
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()


def _energy(name: str) -> FieldRule:
    return FieldRule(f"energy.{name}", "float", low=0.0, high=1e-9)


SCHEMA: tuple[FieldRule, ...] = (
    FieldRule("name", "str"),
    FieldRule("backend", "choice", choices=("emulator", "jax")),
    FieldRule("grid", "section"),
    FieldRule("grid.side", "int", low=2, high=4096),
    FieldRule("grid.torus", "bool"),
    FieldRule("grid.pattern", "choice", default=None, choices=tuple(PATTERNS)),
    FieldRule("grid.rules", "rules", default=None),
    FieldRule("grid.dead_cells", "cells", default=None),
    FieldRule("weights", "section"),
    FieldRule("weights.bits", "int", low=2, high=16),
    FieldRule("weights.range", "float", low=1e-6, high=1e6),
    FieldRule("weights.scale", "choice", default="max", choices=("max", "percentile", "fixed")),
    FieldRule("weights.percentile", "float", default=99.9, low=50.0, high=100.0),
    FieldRule("biases", "section"),
    FieldRule("biases.bits", "int", low=2, high=16),
    FieldRule("biases.range", "float", low=1e-6, high=1e6),
    FieldRule("couplings", "section", default={}),
    FieldRule("couplings.bits", "int", default=None, low=2, high=16),
    FieldRule("couplings.range", "float", default=None, low=1e-6, high=1e6),
    FieldRule("random", "section"),
    FieldRule("random.resolution_bits", "int", low=1, high=30),
    FieldRule("random.bits_per_update", "int", low=0, high=64),
    FieldRule("mismatch", "section", default={}),
    FieldRule("mismatch.enabled", "bool", default=False),
    FieldRule("mismatch.distribution", "choice", default="normal", choices=("normal", "uniform")),
    FieldRule("mismatch.gain_sigma", "float", default=0.0, low=0.0, high=0.5),
    FieldRule("mismatch.offset_sigma", "float", default=0.0, low=0.0, high=10.0),
    FieldRule("mismatch.seed", "int", default=0, low=0, high=2**63 - 1),
    FieldRule("clock", "section"),
    FieldRule("clock.hz", "float", low=1.0, high=1e12),
    FieldRule("clock.cycles_per_phase", "int", low=1, high=1_000_000),
    FieldRule("clock.cycles_per_readout", "int", low=0, high=1_000_000),
    FieldRule("clock.weight_writes_per_cycle", "int", low=1, high=1_000_000_000),
    FieldRule("energy", "section"),
    _energy("cell_update"),
    _energy("random_bit"),
    _energy("readout"),
    _energy("weight_write"),
)

_RULES = {rule.key: rule for rule in SCHEMA}
_JAX_KEYS = ("name", "backend")


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    end_column = end.column + 1 if end.line == start.line else None
    return Span(start.line + 1, start.column + 1, end.line + 1, end_column)


def check_document(root: yaml.Node, path: str) -> tuple[dict[str, tuple[Any, Span | None]], list[Diagnostic]]:
    """Check a target file's node tree against `SCHEMA`.

    Args:
        root: the composed YAML document.
        path: file name used in diagnostics.

    Returns:
        `values`, mapping every schema key to `(value, span)` with defaults filled in (span None
        for a default), and the diagnostics found. `values` is only complete without diagnostics.
    """
    diagnostics: list[Diagnostic] = []
    values: dict[str, tuple[Any, Span | None]] = {}
    if not isinstance(root, yaml.MappingNode):
        span = _span(root) if root is not None else None
        return values, [Diagnostic("a target file must be a mapping of keys such as 'name' and 'backend'", span, path=path)]

    nodes: dict[str, yaml.Node] = {}
    _collect(root, "", nodes, diagnostics, path)
    backend = nodes.get("backend")
    is_jax = isinstance(backend, yaml.ScalarNode) and backend.value == "jax"

    for rule in SCHEMA:
        if is_jax and rule.key not in _JAX_KEYS:
            if rule.key in nodes and "." not in rule.key:
                diagnostics.append(Diagnostic(f"key '{rule.key}' does not apply to a jax target", _span(nodes[rule.key]), hint="a jax target takes only 'name' and 'backend'", path=path))
            continue
        node = nodes.get(rule.key)
        if node is None:
            if rule.default is _REQUIRED:
                parent = rule.key.rpartition(".")[0]
                where = f"section '{parent}'" if parent else "the target file"
                span = _span(nodes[parent]) if parent in nodes else None
                diagnostics.append(Diagnostic(f"missing key '{rule.key}' in {where}", span, hint=_hint(rule), path=path))
            values[rule.key] = (rule.default, None)
            continue
        value = _convert(rule, node, diagnostics, path)
        values[rule.key] = (value, _span(node))
    return values, diagnostics


def _collect(node: yaml.MappingNode, prefix: str, nodes: dict[str, yaml.Node], diagnostics: list[Diagnostic], path: str) -> None:
    """Record the value node of every key under `node`, flagging unknown and repeated keys."""
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}"
        if key not in _RULES:
            known = [rule.key.rpartition(".")[2] for rule in SCHEMA if rule.key.rpartition(".")[0] == prefix.rstrip(".")]
            close = difflib.get_close_matches(str(key_node.value), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(known)}"
            diagnostics.append(Diagnostic(f"unknown key '{key}'", _span(key_node), hint=hint, path=path))
            continue
        if key in nodes:
            diagnostics.append(Diagnostic(f"key '{key}' is given twice", _span(key_node), hint="remove one of them", path=path))
            continue
        nodes[key] = value_node
        if _RULES[key].kind == "section":
            if isinstance(value_node, yaml.MappingNode):
                _collect(value_node, f"{key}.", nodes, diagnostics, path)
            else:
                diagnostics.append(Diagnostic(f"'{key}' must be a section of keys", _span(value_node), hint=_hint(_RULES[key]), path=path))


def _hint(rule: FieldRule) -> str:
    if rule.kind == "section":
        keys = [r.key.rpartition(".")[2] for r in SCHEMA if r.key.startswith(rule.key + ".")]
        return f"'{rule.key}' holds the keys {', '.join(keys)}"
    if rule.kind == "choice":
        return f"one of {', '.join(str(c) for c in rule.choices)}"
    if rule.kind in ("int", "float"):
        return f"a{'n integer' if rule.kind == 'int' else ' number'} in {rule.low:g}..{rule.high:g}"
    if rule.kind == "rules":
        return "a list of rules [a, b] with a + b odd, such as [[0, 1], [4, 1]]"
    if rule.kind == "cells":
        return "a list of cells [x, y], such as [[0, 3], [12, 40]]"
    return f"a {rule.kind} value"


def _convert(rule: FieldRule, node: yaml.Node, diagnostics: list[Diagnostic], path: str) -> Any:
    """Return the checked Python value of `node`, or None after adding a diagnostic."""
    def fail(message: str, at: yaml.Node = node) -> None:
        diagnostics.append(Diagnostic(message, _span(at), hint=_hint(rule), path=path))

    if rule.kind == "section":
        return None
    if rule.kind in ("rules", "cells"):
        return _convert_pairs(rule, node, fail)
    if not isinstance(node, yaml.ScalarNode):
        fail(f"'{rule.key}' must be a single value")
        return None

    value = yaml.constructor.SafeConstructor().construct_object(node)
    if rule.kind == "bool":
        if not isinstance(value, bool):
            fail(f"'{rule.key}' must be true or false, got '{node.value}'")
        return value
    if rule.kind == "str":
        if not isinstance(value, str) or not value:
            fail(f"'{rule.key}' must be a non-empty string, got '{node.value}'")
        return str(value)
    if rule.kind == "choice":
        if value not in rule.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in rule.choices], n=1)
            suggestion = f"; did you mean '{close[0]}'?" if close else ""
            fail(f"invalid {rule.key} '{node.value}'{suggestion}")
        return value

    # Numbers: PyYAML reads `1e-15` (no dot) as a string, so accept any text float() parses.
    if isinstance(value, str) and rule.kind == "float":
        try:
            value = float(value)
        except ValueError:
            pass
    wrong_type = isinstance(value, bool) or not isinstance(value, int if rule.kind == "int" else (int, float))
    if wrong_type:
        fail(f"'{rule.key}' must be a{'n integer' if rule.kind == 'int' else ' number'}, got '{node.value}'")
        return None
    if not rule.low <= value <= rule.high:
        fail(f"{rule.key} = {node.value} is out of range")
        return None
    return float(value) if rule.kind == "float" else int(value)


def _convert_pairs(rule: FieldRule, node: yaml.Node, fail) -> tuple | None:
    """Return a tuple of `((a, b), span)` pairs from a YAML list of two-integer lists."""
    if not isinstance(node, yaml.SequenceNode):
        fail(f"'{rule.key}' must be a list")
        return None

    pairs = []
    for item in node.value:
        numbers = [yaml.constructor.SafeConstructor().construct_object(n) for n in getattr(item, "value", [])]
        is_pair = isinstance(item, yaml.SequenceNode) and len(numbers) == 2
        if not is_pair or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            fail(f"each entry of '{rule.key}' must be a pair of integers", item)
            continue
        if rule.kind == "rules" and (numbers[0] + numbers[1]) % 2 == 0:
            fail(f"rule ({numbers[0]}, {numbers[1]}) has an even sum, so its edges join cells of the same colour", item)
            continue
        pairs.append(((numbers[0], numbers[1]), _span(item)))
    if rule.kind == "rules" and not pairs:
        fail(f"'{rule.key}' needs at least one rule")
    return tuple(pairs)
