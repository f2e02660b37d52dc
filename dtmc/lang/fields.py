"""Per-field validation: every setting path of `ModelSpec`, its name in messages and its converter."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtmc.errors import Span
from dtmc.lang.suggestions import did_you_mean
from dtmc.lang.values import Value
from dtmc.resources import targets_dir
from dtmc.spec import PATTERNS

__all__ = ["Invalid", "Field", "FIELDS", "DATASETS", "available_targets", "resolve_path"]

# Named datasets and the side of their square images.
DATASETS = {"mnist": 28, "fashion_mnist": 28, "mnist_small": 28}

# Upper bound on the classes a range may name. Each class needs label spins on one colour of the
# grid, so a longer range is a typo, and expanding it would only waste time and memory.
_MAX_CLASSES = 100_000

# Seeds must fit an unsigned 32-bit integer, the widest seed that numpy and jax.random both accept.
_MAX_SEED = 2**32 - 1

_RELATIVE_HINT = "relative paths start at the model file's folder, or at the current folder for --set"


class Invalid(Exception):
    """A value that breaks its field's rule; the checker turns it into a diagnostic."""

    def __init__(self, message: str, hint: str | None = None, span: Span | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.span = span


@dataclass(frozen=True)
class Field:
    """How to read one setting: its name in messages and a converter from Value to Python."""

    label: str
    convert: Callable[[Value, str, Path], Any]
    """Called with the value, the label and the folder relative paths resolve against."""


def resolve_path(text: str, base_dir: Path) -> Path:
    """Resolve a path written in a model file against the model file's folder."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else base_dir / path


def available_targets() -> list[str]:
    """Return the target names that need no path: `jax` and every shipped `<name>.yaml`."""
    try:
        shipped = sorted(path.stem for path in targets_dir().glob("*.yaml"))
    except FileNotFoundError:
        shipped = []
    return ["jax"] + [name for name in shipped if name != "jax"]


def _integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[Value, str, Path], int]:
    def convert(value: Value, label: str, base_dir: Path) -> int:
        if value.kind != "int":
            raise Invalid(f"{label} must be an integer, got {value.text}", span=value.span)
        if minimum is not None and value.data < minimum:
            raise Invalid(f"{label} must be at least {minimum}, got {value.data}", span=value.span)
        if maximum is not None and value.data > maximum:
            raise Invalid(f"{label} must be at most {maximum}, got {value.data}", span=value.span)
        return value.data

    return convert


def _number(value: Value, label: str) -> float:
    if not value.is_number:
        raise Invalid(f"{label} must be a number, got {value.text}", span=value.span)
    number = float(value.data)
    if not math.isfinite(number):
        raise Invalid(f"{label} must be a finite number, got {value.text}", span=value.span)
    return number


def _real(low: float, *, open_low: bool, high: float | None = None,
          open_high: bool = False) -> Callable[[Value, str, Path], float]:
    def convert(value: Value, label: str, base_dir: Path) -> float:
        number = _number(value, label)
        too_low = number <= low if open_low else number < low
        too_high = high is not None and (number >= high if open_high else number > high)
        if too_low or too_high:
            if high is None:
                bound = f"greater than {low:g}" if open_low else f"at least {low:g}"
            else:
                bound = f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
            raise Invalid(f"{label} must be {bound}, got {value.text}", span=value.span)
        return number

    return convert


def _real_list(low: float, *, open_low: bool) -> Callable[[Value, str, Path], tuple[float, ...]]:
    element = _real(low, open_low=open_low)

    def convert(value: Value, label: str, base_dir: Path) -> tuple[float, ...]:
        items = value.data if value.kind == "list" else (value,)
        if not items:
            raise Invalid(f"{label} must not be an empty list", span=value.span)
        return tuple(element(item, label, base_dir) for item in items)

    return convert


def _choice(options: tuple[str, ...]) -> Callable[[Value, str, Path], str]:
    def convert(value: Value, label: str, base_dir: Path) -> str:
        if value.kind not in ("word", "string") or value.data not in options:
            raise Invalid(
                f"unknown {label} {_quoted(value)}{did_you_mean(str(value.data), options)}",
                hint="choose one of: " + ", ".join(options),
                span=value.span,
            )
        return value.data

    return convert


def _quoted(value: Value) -> str:
    return f"'{value.data}'" if value.kind in ("word", "string") else value.text


def _classes(value: Value, label: str, base_dir: Path) -> tuple[int, ...]:
    items = value.data if value.kind == "list" else (value,)
    classes: list[int] = []
    for item in items:
        if item.kind == "range":
            low, high = item.data
            if high < low:
                raise Invalid(f"range {item.text} is empty", hint=f"write the smaller bound first: {high}..{low}",
                              span=item.span)
            if high - low + 1 > _MAX_CLASSES:
                raise Invalid(f"range {item.text} names {high - low + 1} classes, more than {_MAX_CLASSES}",
                              hint="check the bounds of the range", span=item.span)
            classes.extend(range(low, high + 1))
        elif item.kind == "int":
            classes.append(item.data)
        else:
            raise Invalid(f"classes must be integers or ranges such as 0..9, got {item.text}", span=item.span)
    if not classes:
        raise Invalid("classes must name at least one class", span=value.span)
    seen: set[int] = set()
    for number in classes:
        if number in seen:
            raise Invalid(f"class {number} is listed twice", span=value.span)
        seen.add(number)
        if number < 0:
            raise Invalid(f"class {number} is negative; class labels start at 0", span=value.span)
    return tuple(classes)


def _rules(value: Value, label: str, base_dir: Path) -> tuple[tuple[int, int], ...]:
    if value.kind != "list" or not value.data:
        raise Invalid("rules must be one or more pairs such as (0,1) (4,1)", span=value.span)
    rules = []
    for item in value.data:
        if item.kind != "tuple" or len(item.data) != 2 or any(part.kind != "int" for part in item.data):
            raise Invalid(f"a rule must be a pair of integers (a, b), got {item.text}", span=item.span)
        rules.append((item.data[0].data, item.data[1].data))
    return tuple(rules)


def _pattern(value: Value, label: str, base_dir: Path) -> str:
    if value.kind not in ("word", "string") or value.data not in PATTERNS:
        raise Invalid(
            f"unknown pattern {_quoted(value)}{did_you_mean(str(value.data), PATTERNS)}",
            hint="choose one of " + ", ".join(PATTERNS) + ", or give explicit 'rules'",
            span=value.span,
        )
    return value.data


def _boundary(value: Value, label: str, base_dir: Path) -> bool:
    words = {"torus": True, "open": False, "true": True, "false": False}
    if value.kind != "word" or value.data not in words:
        raise Invalid(f"boundary must be 'torus' or 'open', got {value.text}", span=value.span)
    return words[value.data]


def _source(value: Value, label: str, base_dir: Path) -> str:
    if value.kind == "word" and value.data in DATASETS:
        return value.data
    text = str(value.data)
    if value.kind == "string" or text.endswith(".npz"):
        path = resolve_path(text, base_dir)
        if path.suffix != ".npz":
            raise Invalid(f"data file '{text}' is not a .npz file", span=value.span,
                          hint="a local dataset is a .npz file with train_images, train_labels, "
                               "test_images and test_labels")
        if not path.is_file():
            raise Invalid(f"data file '{text}' not found", span=value.span,
                          hint=_RELATIVE_HINT)
        return str(path)
    raise Invalid(
        f"unknown dataset {_quoted(value)}{did_you_mean(text, DATASETS)}",
        hint="choose one of " + ", ".join(DATASETS) + ', or write file "path.npz"',
        span=value.span,
    )


def _target(value: Value, label: str, base_dir: Path) -> str:
    text = str(value.data)
    names = available_targets()
    if value.kind == "word" and text in names:
        return text
    if value.kind == "string" or text.endswith((".yaml", ".yml")):
        path = resolve_path(text, base_dir)
        if not path.is_file():
            raise Invalid(f"target file '{text}' not found", span=value.span,
                          hint=_RELATIVE_HINT)
        return str(path)
    raise Invalid(
        f"unknown target {_quoted(value)}{did_you_mean(text, names)}",
        hint="use 'jax', the name of a shipped target, or the path of a target .yaml file in quotes",
        span=value.span,
    )


def _name(value: Value, label: str, base_dir: Path) -> str:
    if value.kind != "word":
        raise Invalid(f"model name must be a name such as my_model, got {value.text}", span=value.span)
    return value.data


FIELDS: dict[str, Field] = {
    "name": Field("model name", _name),
    "seed": Field("model seed", _integer(0, _MAX_SEED)),
    "data.source": Field("dataset", _source),
    "data.classes": Field("classes", _classes),
    "data.image_size": Field("image size", _integer(1, 4096)),
    "data.downsample": Field("downsample", _integer(1)),
    "data.encoding": Field("encoding", _choice(("binary", "grayscale"))),
    "data.threshold": Field("threshold", _real(0.0, open_low=False, high=1.0, open_high=True)),
    "data.levels": Field("grayscale levels", _integer(1, 255)),
    "data.code": Field("grayscale code", _choice(("thermometer", "bits"))),
    "labels.kind": Field("label encoding", _choice(("one_hot", "none"))),
    "labels.repeat": Field("label repeat", _integer(1)),
    "graph.side": Field("grid side", _integer(2, 1024)),
    "graph.torus": Field("boundary", _boundary),
    "graph.pattern": Field("pattern", _pattern),
    "graph.rules": Field("rules", _rules),
    "graph.place": Field("placement", _choice(("random", "raster", "spread"))),
    "graph.place_seed": Field("placement seed", _integer(0, _MAX_SEED)),
    "diffusion.steps": Field("steps", _integer(1, 1000)),
    "diffusion.schedule": Field("schedule", _choice(("linear", "log"))),
    "diffusion.offset": Field("offset", _real(0.0, open_low=False, high=1.0, open_high=True)),
    "diffusion.image_rate": Field("image rate", _real(0.0, open_low=True)),
    "diffusion.label_rate": Field("label rate", _real(0.0, open_low=True)),
    "train.epochs": Field("epochs", _integer(1)),
    "train.batch": Field("batch", _integer(1)),
    "train.warmup": Field("warmup", _integer(0)),
    "train.samples": Field("samples", _integer(1)),
    "train.every": Field("sample spacing ('every')", _integer(1)),
    "train.beta": Field("training beta", _real(0.0, open_low=True)),
    "train.lr": Field("learning rate", _real_list(0.0, open_low=True)),
    "train.cosine_alpha": Field("cosine alpha", _real(0.0, open_low=False, high=1.0)),
    "train.decay_epochs": Field("decay epochs", _integer(1)),
    "train.penalty.kind": Field("penalty", _choice(("none", "fixed", "adaptive"))),
    "train.penalty.values": Field("penalty strength", _real_list(0.0, open_low=False)),
    "train.penalty.threshold": Field("penalty threshold", _real(0.0, open_low=True)),
    "train.penalty.floor": Field("penalty floor", _real(0.0, open_low=False)),
    "train.weight_decay": Field("weight decay", _real(0.0, open_low=False)),
    "train.eval_every": Field("evaluation interval", _integer(0)),
    "train.seed": Field("training seed", _integer(0, _MAX_SEED)),
    "train.train_examples": Field("training examples", _integer(1)),
    "generate.beta_start": Field("generation start beta", _real(0.0, open_low=True)),
    "generate.beta_end": Field("generation end beta", _real(0.0, open_low=True)),
    "generate.sweeps": Field("generation sweeps", _integer(1)),
    "generate.per_class": Field("images per class", _integer(1)),
    "generate.labels": Field("generation label mode", _choice(("free", "clamped"))),
    "target": Field("target", _target),
}
