"""Check a parsed model file into a `ModelSpec`, collecting every error and warning in one pass."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dtmc.errors import CheckError, Diagnostic, DtmcError, DtmcSyntaxError, Span
from dtmc.lang.fields import FIELDS, Invalid
from dtmc.lang.overrides import apply_overrides, parse_overrides
from dtmc.lang.parser import parse_model
from dtmc.lang.cross_checks import cross_check
from dtmc.lang.settings import ParsedModel, Setting, collect_settings
from dtmc.lang.values import Value
from dtmc.spec import PATTERNS, ModelSpec

__all__ = ["check_model", "load_model", "CheckContext"]

# Past this many diagnostics the rest are mostly repeats, and each rendering rereads the source.
_MAX_DIAGNOSTICS = 50


@dataclasses.dataclass
class CheckContext:
    """Validated values by field path, where each was set, and the diagnostics found so far."""

    model: ParsedModel
    settings: dict[str, Setting]
    values: dict[str, Any]
    failed: set[str]
    path: str
    diagnostics: list[Diagnostic]

    def get(self, path: str) -> Any:
        """Return the validated value of `path`, or the spec default when it was not set."""
        if path in self.values:
            return self.values[path]
        return _default(path)

    def ok(self, *paths: str) -> bool:
        """Return whether none of `paths` failed validation, so checks that combine them can run."""
        return not any(path in self.failed for path in paths)

    def is_set(self, path: str) -> bool:
        """Return whether the file or an override set `path`."""
        return path in self.settings

    def report(self, message: str, *anchors: str, hint: str | None = None, span: Span | None = None,
               severity: str = "error", section: str | None = None) -> None:
        """Add a diagnostic placed at the first of `anchors` that was set, else at `section` or the name."""
        origin = self.path
        chosen = span
        if chosen is None:
            for anchor in anchors:
                setting = self.settings.get(anchor)
                if setting is not None:
                    origin = setting.origin
                    chosen = setting.value.span if setting.origin == self.path else None
                    break
            else:
                chosen = self.model.section_spans.get(section or "", self.model.name_span)
        self.diagnostics.append(Diagnostic(message, chosen, severity=severity, hint=hint, path=origin))


def _default(path: str) -> Any:
    value: Any = ModelSpec(name="default")
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _validate(settings: dict[str, Setting], path: str, base_dir: Path) -> tuple[dict[str, Any], set[str], list[Diagnostic]]:
    values: dict[str, Any] = {}
    failed: set[str] = set()
    diagnostics: list[Diagnostic] = []
    for field_path, setting in settings.items():
        field = FIELDS[field_path]
        try:
            # Paths on the command line start at the current folder, paths in the file at its folder.
            folder = base_dir if setting.origin == path else Path.cwd()
            values[field_path] = field.convert(setting.value, field.label, folder)
        except Invalid as error:
            failed.add(field_path)
            span = error.span if setting.origin == path else None
            diagnostics.append(Diagnostic(error.message, span, hint=error.hint, path=setting.origin))
    return values, failed, diagnostics


def _build_spec(context: CheckContext, text: str) -> ModelSpec:
    get = context.get
    if context.is_set("graph.rules"):
        pattern, rules = None, get("graph.rules")
    else:
        pattern = get("graph.pattern")
        rules = PATTERNS[pattern] if pattern is not None else get("graph.rules")

    penalty_values = get("train.penalty.values")
    if get("train.penalty.kind") == "none" and not context.is_set("train.penalty.values"):
        penalty_values = (0.0,)

    defaults = ModelSpec(name=get("name"))
    sections = {
        "data": defaults.data, "labels": defaults.labels, "graph": defaults.graph,
        "diffusion": defaults.diffusion, "train": defaults.train, "generate": defaults.generate,
    }
    changes: dict[str, dict[str, Any]] = {name: {} for name in sections}
    for path, value in context.values.items():
        head, _, rest = path.partition(".")
        if head in sections and "." not in rest:
            changes[head][rest] = value

    changes["graph"].update(pattern=pattern, rules=rules)
    changes["train"]["penalty"] = dataclasses.replace(
        defaults.train.penalty,
        kind=get("train.penalty.kind"),
        values=penalty_values,
        threshold=get("train.penalty.threshold"),
        floor=get("train.penalty.floor"),
    )

    return ModelSpec(
        name=get("name"),
        seed=get("seed"),
        target=get("target"),
        source_text=text,
        source_path=context.path,
        **{name: dataclasses.replace(section, **changes[name]) for name, section in sections.items()},
    )


def check_model(text: str, path: str = "<input>",
                overrides: Sequence[str] = ()) -> tuple[ModelSpec | None, list[Diagnostic]]:
    """Parse and check model-file text, with overrides, into a spec and diagnostics.

    Args:
        text: the model file's contents.
        path: the file name shown in diagnostics; relative paths in the file start at its folder.
        overrides: `path=value` texts applied after the file, e.g. `train.epochs=5`.

    Returns:
        The spec (None if any error was found) and every error and warning, in source order.
    """
    spec, diagnostics, _ = _check(text, path, overrides)
    return spec, diagnostics


def _check(text: str, path: str, overrides: Sequence[str]) -> tuple[ModelSpec | None, list[Diagnostic], bool]:
    """Check like `check_model`; the flag is True when the grammar rejected the text."""
    try:
        tree = parse_model(text, path)
    except DtmcSyntaxError as error:
        return None, list(error.diagnostics), True

    model, diagnostics = collect_settings(tree, path)
    override_settings, override_diagnostics = parse_overrides(overrides)
    diagnostics += override_diagnostics

    settings = apply_overrides(model.settings, override_settings)
    if "name" not in settings:
        name = Value("word", model.name, model.name_span)
        settings["name"] = Setting("name", name, "model", model.name_span, path)

    base_dir = Path(path).parent if path != "<input>" else Path.cwd()
    values, failed, field_diagnostics = _validate(settings, path, base_dir)
    diagnostics += field_diagnostics

    context = CheckContext(model, settings, values, failed, path, diagnostics)
    cross_check(context)

    # File diagnostics first, in source order, then those about overrides.
    diagnostics.sort(key=lambda d: (d.path != path, d.span.line if d.span else 0, d.span.column if d.span else 0))
    failed = any(d.severity == "error" for d in diagnostics)
    if len(diagnostics) > _MAX_DIAGNOSTICS:
        hidden = len(diagnostics) - _MAX_DIAGNOSTICS
        diagnostics = diagnostics[:_MAX_DIAGNOSTICS] + [
            Diagnostic(f"{hidden} more diagnostics not shown", severity="note", path=path,
                       hint="fix the ones shown and check again")
        ]
    if failed:
        return None, diagnostics, False
    return _build_spec(context, text), diagnostics, False


def load_model(path: str | Path, overrides: Sequence[str] = ()) -> ModelSpec:
    """Read, parse and check a model file; warnings go through `warnings.warn`.

    Args:
        path: the `.dtm` file.
        overrides: `path=value` texts applied after the file, e.g. `train.epochs=5`.

    Returns:
        The checked spec, with `source_text` and `source_path` filled.

    Raises:
        DtmcError: if the file cannot be read.
        DtmcSyntaxError: if the grammar rejects the file.
        CheckError: if any setting is invalid; `err.diagnostics` contains every error and warning.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # The utf-8-sig codec drops the byte-order mark that some editors write.
    except FileNotFoundError:
        raise DtmcError(f"model file '{path}' not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DtmcError(f"cannot read model file '{path}': {error}") from None

    spec, diagnostics, syntax_failed = _check(text, str(path), overrides)
    if spec is None:
        errors = sum(d.severity == "error" for d in diagnostics)
        kind = DtmcSyntaxError if syntax_failed else CheckError
        raise kind(f"{errors} error(s) in {path}", diagnostics, text)

    for diagnostic in diagnostics:
        warnings.warn(diagnostic.render(text), UserWarning, stacklevel=2)
    return spec
