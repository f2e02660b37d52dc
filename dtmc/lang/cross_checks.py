"""Checks that combine several settings: data fit, grid colouring, list lengths, variants, warnings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from dtmc.diffusion import step_couplings
from dtmc.lang.fields import DATASETS, FIELDS
from dtmc.lang.summary import base_edge_count
from dtmc.spec import PATTERNS, DataSpec, DiffusionSpec, GraphSpec

if TYPE_CHECKING:
    from dtmc.lang.checker import CheckContext

__all__ = ["cross_check"]

# Classes of the named datasets, which all have ten.
_DATASET_CLASSES = 10

# A visible fraction (visible spins / L^2) outside this band is legal but far from the ~25% of the
# published models, so it earns a warning.
_VISIBLE_FRACTION_LOW, _VISIBLE_FRACTION_HIGH = 0.10, 0.45

# Generation starts from fair coins, so a last step trained on much less noisy inputs is asked to
# denoise inputs it never saw.
_MIN_FINAL_FLIP = 0.45

# A 400x400 G20 grid (1.6 million base edges) took about 1 GB and 30 s to compile, so the edge cap
# keeps a compile near 2.5 GB. The parameter cap keeps float32 weights and Adam state under 2 GB.
# NOTE: both caps are estimates from that one measurement on CPU, not limits of any backend.
MAX_BASE_EDGES = 4_000_000
MAX_PARAMETERS = 100_000_000


def cross_check(context: CheckContext) -> None:
    """Run every multi-setting check, appending diagnostics to `context`."""
    _check_data(context)
    _check_labels(context)
    rules = _check_graph(context)
    if rules is not None:
        _check_fit(context)
        _check_size(context, rules)
    _check_couplings(context)
    _check_step_lists(context)
    _check_penalty(context)
    _check_generate(context)
    _warn(context)


def _check_data(context: CheckContext) -> None:
    source, size = context.get("data.source"), context.get("data.image_size")
    named = source in DATASETS

    if named and context.ok("data.source", "data.image_size") and size != DATASETS[source]:
        context.report(
            f"{source} images are {DATASETS[source]}x{DATASETS[source]} pixels, not {size}x{size}",
            "data.image_size",
            hint=f"remove 'size' or set it to {DATASETS[source]}",
        )
    if named and context.ok("data.source", "data.classes"):
        outside = [number for number in context.get("data.classes") if number >= _DATASET_CLASSES]
        if outside:
            context.report(
                f"class {outside[0]} is outside {source}'s classes 0..{_DATASET_CLASSES - 1}",
                "data.classes",
            )

    # NOTE: for a local .npz file the checker trusts 'size' (default 28) without opening the file,
    # so a wrong size only shows when the data loader reads the images.
    downsample = context.get("data.downsample")
    if downsample is not None and context.ok("data.downsample", "data.image_size", "data.source"):
        if downsample > size or size % downsample:
            divisors = ", ".join(str(d) for d in range(1, size + 1) if size % d == 0)
            context.report(
                f"downsample {downsample} does not divide the image size {size}",
                "data.downsample",
                hint=f"downsample gives the new image side; choose one of {divisors}",
            )

    encoding = context.get("data.encoding")
    if not context.ok("data.encoding"):
        return
    misplaced = ("data.levels", "data.code") if encoding == "binary" else ("data.threshold",)
    for path in misplaced:
        if context.is_set(path):
            keyword = context.settings[path].keyword
            other = "grayscale" if encoding == "binary" else "binary"
            context.report(
                f"'{keyword}' applies only to {other} encoding, but the encoding is {encoding}",
                path,
                hint=f"remove '{keyword}' or write 'encode {other}'",
            )


def _check_labels(context: CheckContext) -> None:
    if context.get("labels.kind") == "none" and context.is_set("labels.repeat"):
        context.report("'repeat' has no effect with 'labels none'", "labels.repeat",
                       hint="remove 'repeat' or write 'labels one_hot'")


def _check_graph(context: CheckContext) -> tuple[tuple[int, int], ...] | None:
    """Check the grid and its rules; return the effective rules, or None if they are invalid."""
    side, torus = context.get("graph.side"), context.get("graph.torus")
    if torus and side % 2 and context.ok("graph.side", "graph.torus"):
        context.report(
            f"a torus needs an even grid side to stay two-colourable, got {side}",
            "graph.side", "graph.torus", section="graph",
            hint=f"use {side - 1} or {side + 1}, or an 'open' grid",
        )

    if context.is_set("graph.rules") and context.is_set("graph.pattern"):
        context.report("set either 'pattern' or 'rules', not both", "graph.rules",
                       hint="a pattern is a named set of rules; keep one of the two")
        return None
    if not context.ok("graph.rules", "graph.pattern", "graph.side"):
        return None

    if context.is_set("graph.rules"):
        rules = context.get("graph.rules")
        setting = context.settings["graph.rules"]
        spans = [item.span for item in setting.value.data] if setting.origin == context.path else [None] * len(rules)
        source = None
    else:
        pattern = context.get("graph.pattern")
        rules = PATTERNS[pattern]
        spans = [None] * len(rules)
        source = f"pattern {pattern}'s rule"

    valid = True
    seen: dict[frozenset[tuple[int, int]], tuple[int, int]] = {}
    for (a, b), span in zip(rules, spans):
        rule_text = f"{source} ({a}, {b})" if source else f"rule ({a}, {b})"
        anchors = ("graph.rules",) if source is None else ("graph.pattern", "graph.side")
        if (a + b) % 2 == 0:
            valid = False
            context.report(f"{rule_text} joins cells of the same colour: a + b must be odd", *anchors, span=span,
                           section="graph", hint="an odd a + b keeps the grid two-colourable")
            continue
        reach = max(abs(a), abs(b))
        if reach >= side:
            valid = False
            context.report(f"{rule_text} reaches {reach} cells but the grid side is {side}", *anchors, span=span,
                           section="graph", hint=f"use a grid side above {reach} or a shorter rule")
            continue
        # The four rotations of a rule give the same edges, so rotated rules are duplicates. On a
        # torus offsets wrap, so rules that are equal modulo the side are duplicates too.
        rotations = frozenset({(a, b), (-b, a), (-a, -b), (b, -a)})
        if torus:
            rotations = frozenset((dx % side, dy % side) for dx, dy in rotations)
            if len(rotations) < 4:
                valid = False
                context.report(f"{rule_text} wraps onto itself on a {side}x{side} torus: it reaches the same "
                               "cell in both directions", *anchors, span=span, section="graph",
                               hint=f"use a grid side other than {side} or another rule")
                continue
        if rotations in seen:
            valid = False
            first = seen[rotations]
            context.report(f"{rule_text} duplicates rule ({first[0]}, {first[1]}): they make the same edges",
                           *anchors, span=span, section="graph", hint="remove one of them")
            continue
        seen[rotations] = (a, b)
    return tuple(rules) if valid else None


def _check_fit(context: CheckContext) -> None:
    paths = ("data.source", "data.classes", "data.image_size", "data.downsample", "data.encoding",
             "data.levels", "data.code", "labels.kind", "labels.repeat", "graph.side")
    if not context.ok(*paths):
        return
    side = context.get("graph.side")
    cells = side * side // 2
    image_spins, label_spins = _visible_counts(context)

    if label_spins > cells:
        context.report(
            f"{label_spins} label spins ({len(context.get('data.classes'))} classes x "
            f"{context.get('labels.repeat')} copies) exceed the {cells} cells of one colour "
            f"on a {side}x{side} grid",
            "labels.repeat", "graph.side", section="labels",
            hint="use fewer label copies ('repeat') or a larger grid",
        )
        return
    visible = image_spins + label_spins
    if visible > cells:
        needed = math.ceil(math.sqrt(2 * visible))
        needed += needed % 2
        context.report(
            f"{visible} visible spins ({image_spins} image + {label_spins} label) do not fit on the "
            f"{cells} cells of one colour of a {side}x{side} grid",
            "graph.side", section="graph",
            hint=f"use a grid side of at least {needed}, downsample the images or use fewer label copies",
        )


def _visible_counts(context: CheckContext) -> tuple[int, int]:
    """Return the image and label spin counts, using the spec's own encoding arithmetic."""
    data = DataSpec(
        image_size=context.get("data.image_size"),
        downsample=context.get("data.downsample"),
        encoding=context.get("data.encoding"),
        levels=context.get("data.levels"),
        code=context.get("data.code"),
    )
    labels = 0
    if context.get("labels.kind") != "none":
        labels = len(context.get("data.classes")) * context.get("labels.repeat")
    return data.image_spins, labels


def _check_size(context: CheckContext, rules: tuple[tuple[int, int], ...]) -> None:
    """Reject models whose graph or parameters would not fit in memory at compile or train time."""
    if not context.ok("graph.torus", "diffusion.steps"):
        return
    side, steps = context.get("graph.side"), context.get("diffusion.steps")
    edges = base_edge_count(GraphSpec(side=side, torus=context.get("graph.torus"), rules=tuple(rules)))
    if edges > MAX_BASE_EDGES:
        largest = math.isqrt(MAX_BASE_EDGES * side * side // edges)
        context.report(f"the {side}x{side} grid has {edges} base edges per step, more than the compiler's limit "
                       f"of {MAX_BASE_EDGES}", "graph.side", section="graph",
                       hint=f"use a grid side of at most about {largest} or a pattern with fewer rules")
        return
    parameters = steps * (edges + side * side)
    if parameters > MAX_PARAMETERS:
        context.report(f"{steps} steps x {edges + side * side} parameters per step make {parameters} trainable "
                       f"parameters, more than {MAX_PARAMETERS}", "diffusion.steps", "graph.side",
                       section="diffuse", hint="use fewer diffusion steps or a smaller grid")


def _check_couplings(context: CheckContext) -> None:
    """Reject noise rates so small that a step's input coupling overflows (its flip chance is 0)."""
    paths = ("diffusion.steps", "diffusion.schedule", "diffusion.image_rate", "diffusion.label_rate")
    if not context.ok(*paths):
        return
    steps, schedule = context.get("diffusion.steps"), context.get("diffusion.schedule")
    for path in paths[2:]:
        # Both rates go in as the same value, so an error names only the rate that causes it.
        rate = context.get(path)
        try:
            couplings = step_couplings(DiffusionSpec(steps=steps, schedule=schedule, image_rate=rate, label_rate=rate))
        except (ValueError, OverflowError):
            couplings = (np.array([math.inf]),)
        if not np.all(np.isfinite(couplings[0])):
            context.report(f"{FIELDS[path].label} {context.get(path):g} is too small: the first step would flip no "
                           "bits, so its input coupling is infinite", path, section="diffuse",
                           hint="use a rate of at least 1e-6")


def _check_step_lists(context: CheckContext) -> None:
    if not context.ok("diffusion.steps"):
        return
    steps = context.get("diffusion.steps")
    for path, name in (("train.lr", "learning rates"), ("train.penalty.values", "penalty strengths")):
        if not context.ok(path) or not context.is_set(path):
            continue
        count = len(context.get(path))
        if count not in (1, steps):
            context.report(
                f"{count} {name} given for {steps} diffusion steps",
                path,
                hint=f"give one value for every step or exactly {steps}, one per step",
            )


def _check_penalty(context: CheckContext) -> None:
    if not context.ok("train.penalty.kind"):
        return
    kind = context.get("train.penalty.kind")
    adaptive_only = ("train.penalty.threshold", "train.penalty.floor")
    for path in adaptive_only:
        if context.is_set(path) and kind != "adaptive":
            keyword = context.settings[path].keyword
            context.report(f"'{keyword}' applies only to 'penalty adaptive', but the penalty is {kind}", path,
                           hint=f"remove '{keyword}' or write 'penalty adaptive'")
    values_set = context.is_set("train.penalty.values")
    if kind == "none" and values_set:
        context.report("'penalty none' takes no strength", "train.penalty.values",
                       hint="remove the value or write 'penalty fixed <strength>'")
    if kind == "fixed" and not values_set:
        context.report("'penalty fixed' needs a strength", "train.penalty.kind",
                       hint="write e.g. 'penalty fixed 0.001' or one value per step '[0.001, 0.002]'")
    if kind == "adaptive" and values_set and context.ok("train.penalty.values") \
            and len(context.get("train.penalty.values")) != 1:
        context.report("'penalty adaptive' starts from one strength", "train.penalty.values",
                       hint="write e.g. 'penalty adaptive start 0.001'")


def _check_generate(context: CheckContext) -> None:
    if context.get("generate.labels") == "clamped" and context.get("labels.kind") == "none" \
            and context.is_set("generate.labels"):
        context.report("clamped generation needs label spins, but the model has 'labels none'",
                       "generate.labels", hint="write 'labels free' in generate, or 'labels one_hot'")
    examples, classes = context.get("train.train_examples"), context.get("data.classes")
    if examples is not None and context.ok("train.train_examples", "data.classes") and examples < len(classes):
        context.report(f"{examples} training examples cannot cover {len(classes)} classes",
                       "train.train_examples", hint=f"use at least {len(classes)} examples")


def _warn(context: CheckContext) -> None:
    paths = ("data.source", "data.classes", "data.image_size", "data.downsample", "data.encoding",
             "data.levels", "data.code", "labels.kind", "labels.repeat", "graph.side")
    if context.ok(*paths):
        side = context.get("graph.side")
        visible = sum(_visible_counts(context))
        fraction = visible / (side * side)
        if visible <= side * side // 2 and not _VISIBLE_FRACTION_LOW <= fraction <= _VISIBLE_FRACTION_HIGH:
            suggested = round(math.sqrt(4 * visible))
            if context.get("graph.torus"):
                suggested = 2 * round(math.sqrt(visible))
            context.report(
                f"visible spins fill {fraction:.0%} of the grid ({visible} of {side * side} cells)",
                "graph.side", section="graph", severity="warning",
                hint=f"models train best with about 25% visible; a grid side near {suggested} "
                     "gives that",
            )

    if context.get("diffusion.schedule") == "linear" and context.ok("diffusion.image_rate", "diffusion.schedule"):
        flip = (1 - math.exp(-context.get("diffusion.image_rate"))) / 2
        if flip < _MIN_FINAL_FLIP:
            context.report(
                f"with the linear schedule the last step's input flips only {flip:.0%} of bits, "
                "but generation starts from pure noise (50%)",
                "diffusion.schedule", severity="warning",
                hint="use 'schedule log', whose last step ends at pure noise, or a higher image rate",
            )

    epochs, eval_every = context.get("train.epochs"), context.get("train.eval_every")
    if context.ok("train.epochs", "train.eval_every") and eval_every > epochs:
        context.report(f"evaluation every {eval_every} epochs never runs before the end of {epochs} epochs",
                       "train.eval_every", severity="warning")
    examples, batch = context.get("train.train_examples"), context.get("train.batch")
    if examples is not None and context.ok("train.train_examples", "train.batch") and examples < batch:
        context.report(f"the batch of {batch} is larger than the {examples} training examples",
                       "train.batch", severity="warning", hint="lower 'batch' or raise 'examples'")
