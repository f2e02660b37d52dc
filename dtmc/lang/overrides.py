"""Command-line overrides (`--set train.epochs=5`) parsed into the same settings a model file gives."""

from __future__ import annotations

from collections.abc import Sequence

from dtmc.errors import Diagnostic, DtmcSyntaxError
from dtmc.lang.fields import FIELDS
from dtmc.lang.parser import parse_value
from dtmc.lang.settings import Setting
from dtmc.lang.suggestions import did_you_mean
from dtmc.lang.values import Value

__all__ = ["parse_overrides", "apply_overrides"]

# Fields whose value is often a file path, which the value grammar does not cover unquoted.
_PATH_FIELDS = ("data.source", "target")

# When an override sets a field (to a given value, or to any value for None), the listed file
# settings no longer apply: the override picks another variant, and keeping them would report a
# conflict the user did not write.
_REPLACES: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("graph.pattern", None): ("graph.rules",),
    ("graph.rules", None): ("graph.pattern",),
    ("train.penalty.kind", "none"): ("train.penalty.values", "train.penalty.threshold", "train.penalty.floor"),
    ("train.penalty.kind", "fixed"): ("train.penalty.values", "train.penalty.threshold", "train.penalty.floor"),
    ("train.penalty.kind", "adaptive"): ("train.penalty.values",),
    ("data.encoding", "binary"): ("data.levels", "data.code"),
    ("data.encoding", "grayscale"): ("data.threshold",),
    ("labels.kind", "none"): ("labels.repeat",),
}


def _strip_spans(value: Value) -> Value:
    """Drop spans, which refer to the override text rather than to the model file."""
    if value.kind in ("list", "tuple"):
        return Value(value.kind, tuple(_strip_spans(item) for item in value.data))
    return Value(value.kind, value.data)


def parse_overrides(overrides: Sequence[str]) -> tuple[list[Setting], list[Diagnostic]]:
    """Parse `path=value` overrides into settings.

    Args:
        overrides: texts such as `train.epochs=5`, `train.lr=0.01,0.02` or `graph.pattern=G16`.

    Returns:
        The settings, in order, and a diagnostic for each override that could not be read.
    """
    settings: list[Setting] = []
    diagnostics: list[Diagnostic] = []
    for text in overrides:
        origin = f"--set {text}"
        path, equals, raw = text.partition("=")
        path, raw = path.strip(), raw.strip()

        if not equals or not path or not raw:
            diagnostics.append(Diagnostic(
                f"override '{text}' is not of the form path=value",
                hint="write e.g. --set train.epochs=5",
                path=origin,
            ))
            continue
        if path not in FIELDS:
            diagnostics.append(Diagnostic(
                f"unknown setting '{path}'{did_you_mean(path, FIELDS)}",
                hint="overrides use the dotted field paths of the model spec, e.g. train.epochs or graph.side",
                path=origin,
            ))
            continue

        if path in _PATH_FIELDS and not raw.isidentifier():
            value = Value("string", raw.strip('"'))
        else:
            try:
                value = _strip_spans(parse_value(raw, origin))
            except DtmcSyntaxError as error:
                diagnostics.append(Diagnostic(
                    f"cannot read the value of '{path}': {error.diagnostics[0].message}",
                    hint="values are written as in a model file: 5, 0.01, 0..9, [0.01, 0.02], (0,1) (4,1)",
                    path=origin,
                ))
                continue
        settings.append(Setting(path, value, path, None, origin))
    return settings, diagnostics


def apply_overrides(settings: dict[str, Setting], overrides: list[Setting]) -> dict[str, Setting]:
    """Return the file's settings with the overrides applied in order (a later override wins).

    Args:
        settings: the model file's settings by path.
        overrides: settings from `parse_overrides`.

    Returns:
        A new dict; file settings replaced by a variant override are removed.
    """
    merged = dict(settings)
    for override in overrides:
        replaced_paths = _REPLACES.get((override.path, None), ()) + _REPLACES.get(
            (override.path, str(override.value.data)), ()
        )
        for replaced in replaced_paths:
            if replaced in merged and merged[replaced].key_span is not None:
                del merged[replaced]
        merged[override.path] = override
    return merged
