"""Group the flat items of a parsed model into sections and flatten them to dotted-path settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lark import Token, Tree

from dtmc.errors import Diagnostic, Span
from dtmc.lang.values import Value, span_of_token, value_from_tree

__all__ = ["Setting", "ParsedModel", "collect_settings", "SECTIONS"]

# Section keywords in the order the language documents them. The pseudo-section "model" contains
# the settings written before the first section keyword.
SECTIONS = ("data", "labels", "graph", "diffuse", "train", "generate", "target")

# Sections each setting keyword may appear in.
_CLAUSE_SECTIONS = {
    "seed": ("model", "graph", "train"),
    "classes": ("data",), "size": ("data",), "downsample": ("data",), "encode": ("data",),
    "repeat": ("labels",),
    "grid": ("graph",), "pattern": ("graph",), "rules": ("graph",), "place": ("graph",),
    "steps": ("diffuse",), "schedule": ("diffuse",), "offset": ("diffuse",), "rate": ("diffuse",),
    "epochs": ("train",), "batch": ("train",), "warmup": ("train",), "samples": ("train",),
    "adam": ("train",), "lr": ("train",), "cosine": ("train",), "penalty": ("train",),
    "weight_decay": ("train",), "eval": ("train",), "examples": ("train",),
    "beta": ("train", "generate"),
    "sweeps": ("generate",), "per_class": ("generate",),
}

# Settings whose keyword takes one value and maps to one field, whatever the section.
_SIMPLE_PATHS = {
    "classes": "data.classes", "size": "data.image_size", "downsample": "data.downsample",
    "repeat": "labels.repeat",
    "pattern": "graph.pattern", "place": "graph.place",
    "steps": "diffusion.steps", "schedule": "diffusion.schedule", "offset": "diffusion.offset",
    "epochs": "train.epochs", "batch": "train.batch", "warmup": "train.warmup", "lr": "train.lr",
    "weight_decay": "train.weight_decay", "examples": "train.train_examples",
    "sweeps": "generate.sweeps", "per_class": "generate.per_class",
}

_SEED_PATHS = {"model": "seed", "graph": "graph.place_seed", "train": "train.seed"}

# Keyword text of the grammar rules whose name differs from what the user types.
_KEYWORDS = {
    "data_file": "data", "image_rate": "image", "label_rate": "label", "over_sweeps": "over",
    "over_epochs": "over", "penalty_start": "start",
}

# Sub-settings that follow a setting's main value, e.g. `threshold 0.5` after `encode binary`.
_OPTIONS = {
    "threshold", "levels", "code", "boundary", "every", "over_sweeps", "alpha", "over_epochs",
    "floor", "penalty_start", "image_rate", "label_rate",
}

@dataclass(frozen=True)
class Setting:
    """One field of the spec set by the model file or an override, with where it was set."""

    path: str
    """Dotted field path of `ModelSpec`, e.g. `train.epochs`."""
    value: Value
    keyword: str
    """The keyword as the user wrote it, e.g. `epochs`, or the override path."""
    key_span: Span | None
    origin: str
    """The file path, or `--set path=value` for an override."""


@dataclass
class ParsedModel:
    """The settings of one model file, keyed by field path, plus where its name was written."""

    name: str
    name_span: Span
    settings: dict[str, Setting]
    section_spans: dict[str, Span]


def _keyword_span(node: Tree, keyword: str) -> Span:
    line, column = node.meta.line, node.meta.column
    return Span(line, column, line, column + len(keyword))


def _values(node: Tree) -> list[Value]:
    return [value_from_tree(child) for child in node.children if isinstance(child, Tree) and child.data not in _OPTIONS]


def _options(node: Tree) -> list[Tree]:
    return [child for child in node.children if isinstance(child, Tree) and child.data in _OPTIONS]


def _keyword_value(node: Tree) -> Value:
    """Return the keyword kept by a `!rule` (`torus`, `bits`) as a word value."""
    token: Token = node.children[0]
    return Value("word", str(token), span_of_token(token))


class _Collector:
    """Walk the items of a model in order, tracking the current section."""

    def __init__(self, path: str):
        self.path = path
        self.section = "model"
        self.section_spans: dict[str, Span] = {}
        self.settings: dict[str, Setting] = {}
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, span, hint=hint, path=self.path))

    def add(self, path: str, value: Value, keyword: str, span: Span) -> None:
        first = self.settings.get(path)
        if first is not None:
            where = f"line {first.key_span.line}, column {first.key_span.column}" if first.key_span else "earlier"
            self.error(f"'{keyword}' is set twice", span, hint=f"it is first set at {where}; keep one")
            return
        self.settings[path] = Setting(path, value, keyword, span, self.path)

    def open_section(self, name: str, span: Span) -> None:
        first = self.section_spans.get(name)
        if first is not None:
            self.error(
                f"section '{name}' appears twice",
                span,
                hint=f"the first '{name}' is at line {first.line}; put all its settings there",
            )
        else:
            self.section_spans[name] = span
        self.section = name

    def item(self, node: Tree) -> None:
        kind = node.data
        keyword = _KEYWORDS.get(kind, kind)
        span = _keyword_span(node, keyword)

        # Inside generate, `labels free` sets the label mode, but `labels one_hot` still opens a section.
        if kind == "labels" and self.section == "generate":
            value = _values(node)[0]
            if not (value.kind == "word" and value.data in ("one_hot", "none")):
                self.add("generate.labels", value, keyword, span)
                return

        if kind in SECTIONS or kind == "data_file":
            section = "data" if kind == "data_file" else kind
            self.open_section(section, span)
            for path, value in self.section_head(kind, node):
                self.add(path, value, keyword, span)
            return

        allowed = _CLAUSE_SECTIONS[kind]
        if self.section not in allowed:
            self.misplaced(keyword, span, allowed)
            return
        for path, value, option_keyword, option_span in self.clause(kind, node):
            self.add(path, value, option_keyword or keyword, option_span or span)

    def misplaced(self, keyword: str, span: Span, allowed: tuple[str, ...]) -> None:
        sections = " or ".join(f"'{name}'" for name in allowed if name != "model")
        if self.section == "model":
            self.error(f"'{keyword}' must follow a section keyword", span, hint=f"put it after {sections}")
        else:
            self.error(
                f"'{keyword}' is not a setting of section '{self.section}'",
                span,
                hint=f"'{keyword}' belongs in section {sections}",
            )

    def section_head(self, kind: str, node: Tree) -> list[tuple[str, Value]]:
        values = _values(node)
        if kind in ("data", "data_file"):
            value = values[0]
            if kind == "data_file" and value.kind == "word":
                value = Value("string", value.data, value.span)
            return [("data.source", value)]
        if kind == "labels":
            return [("labels.kind", values[0])]
        if kind == "target":
            return [("target", values[0])]
        return []

    def clause(self, kind: str, node: Tree) -> Iterator[tuple[str, Value, str | None, Span | None]]:
        values = _values(node)
        if kind in _SIMPLE_PATHS:
            yield _SIMPLE_PATHS[kind], values[0], None, None
        elif kind == "seed":
            yield _SEED_PATHS[self.section], values[0], None, None
        elif kind == "encode":
            yield "data.encoding", values[0], None, None
        elif kind == "grid":
            yield "graph.side", values[0], None, None
        elif kind == "rules":
            items = values[0].data if len(values) == 1 and values[0].kind == "list" else tuple(values)
            yield "graph.rules", Value("list", items, values[0].span), None, None
        elif kind == "samples":
            yield "train.samples", values[0], None, None
        elif kind == "beta":
            yield from self.beta(node, values)
        elif kind == "penalty":
            yield "train.penalty.kind", values[0], None, None
            if len(values) > 1:
                yield "train.penalty.values", values[1], None, None
        yield from self.options(node)

    def beta(self, node: Tree, values: list[Value]) -> Iterator[tuple[str, Value, str | None, Span | None]]:
        if self.section == "train":
            if len(values) > 1 or any(option.data == "over_sweeps" for option in _options(node)):
                self.error(
                    "training uses one beta",
                    values[-1].span,
                    hint="an annealed 'beta A -> B over N sweeps' belongs in section 'generate'",
                )
            yield "train.beta", values[0], None, None
            return
        yield "generate.beta_start", values[0], None, None
        yield "generate.beta_end", values[-1], None, None

    def options(self, node: Tree) -> Iterator[tuple[str, Value, str | None, Span | None]]:
        penalty = node.data == "penalty"
        paths = {
            "threshold": "train.penalty.threshold" if penalty else "data.threshold",
            "levels": "data.levels",
            "code": "data.code",
            "boundary": "graph.torus",
            "every": "train.eval_every" if node.data == "eval" else "train.every",
            "over_sweeps": "generate.sweeps",
            "alpha": "train.cosine_alpha",
            "over_epochs": "train.decay_epochs",
            "floor": "train.penalty.floor",
            "penalty_start": "train.penalty.values",
            "image_rate": "diffusion.image_rate",
            "label_rate": "diffusion.label_rate",
        }
        for option in _options(node):
            keyword = _KEYWORDS.get(option.data, option.data)
            if option.data in ("code", "boundary"):
                value = _keyword_value(option)
                yield paths[option.data], value, value.data, value.span
                continue
            if option.data == "over_sweeps" and self.section == "train":
                continue
            yield paths[option.data], _values(option)[0], keyword, _keyword_span(option, keyword)


def collect_settings(tree: Tree, path: str) -> tuple[ParsedModel, list[Diagnostic]]:
    """Turn a parsed `model` tree into settings by field path, reporting misplaced and repeated keys.

    Args:
        tree: the tree `parse_model` returned.
        path: the file name shown in diagnostics.

    Returns:
        The parsed model and the diagnostics found while grouping.
    """
    name_token: Token = tree.children[0]
    collector = _Collector(path)
    for item in tree.children[1:]:
        collector.item(item)

    parsed = ParsedModel(
        name=str(name_token),
        name_span=span_of_token(name_token),
        settings=collector.settings,
        section_spans=collector.section_spans,
    )
    return parsed, collector.diagnostics
