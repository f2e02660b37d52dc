"""The typed, immutable model specification that the checker produces from a `.dtm` file.

Every later stage (compiler passes, training, generation, targets) reads only this object, never
the parse tree. Defaults follow the published DTM setup; a field's docstring gives its unit.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "PATTERNS",
    "DataSpec",
    "LabelSpec",
    "GraphSpec",
    "DiffusionSpec",
    "PenaltySpec",
    "TrainSpec",
    "GenerateSpec",
    "ModelSpec",
    "spec_to_dict",
    "spec_from_dict",
]

# Connection rules (a, b) of the named grid patterns. A rule joins cell (x, y) to (x+a, y+b),
# (x-b, y+a), (x-a, y-b) and (x+b, y-a), so each rule adds degree 4.
PATTERNS: dict[str, tuple[tuple[int, int], ...]] = {
    "G8": ((0, 1), (4, 1)),
    "G12": ((0, 1), (4, 1), (10, 9)),
    "G16": ((0, 1), (4, 1), (10, 9), (11, 14)),
    "G20": ((0, 1), (4, 1), (10, 9), (11, 14), (23, 6)),
}


@dataclass(frozen=True)
class DataSpec:
    """Which images the model learns and how pixels become spins."""

    source: str = "mnist_small"
    """Dataset name (`mnist`, `fashion_mnist`, `mnist_small`) or a path to a local `.npz` file."""
    classes: tuple[int, ...] = tuple(range(10))
    image_size: int = 28
    """Side of the dataset's square images, in pixels."""
    downsample: int | None = None
    """Side after downsampling (must divide `image_size`), or None to keep full size."""
    encoding: Literal["binary", "grayscale"] = "binary"
    threshold: float = 0.5
    """Binary encoding: a pixel in [0, 1] is on when it is strictly above this value."""
    levels: int = 1
    """Grayscale encoding: number of gray levels above black (1 is black/white)."""
    code: Literal["thermometer", "bits"] = "thermometer"
    """Grayscale code: `thermometer` uses `levels` spins per pixel, `bits` uses ceil(log2(levels + 1))."""

    @property
    def side(self) -> int:
        """Side of the encoded image in pixels."""
        return self.downsample or self.image_size

    @property
    def spins_per_pixel(self) -> int:
        """Number of visible spins one pixel needs."""
        if self.encoding == "binary" or self.levels == 1:
            return 1
        if self.code == "thermometer":
            return self.levels
        return (self.levels).bit_length()

    @property
    def image_spins(self) -> int:
        """Number of visible image spins."""
        return self.side * self.side * self.spins_per_pixel


@dataclass(frozen=True)
class LabelSpec:
    """How class labels become visible spins: one-hot over the chosen classes, repeated."""

    kind: Literal["one_hot", "none"] = "one_hot"
    repeat: int = 10
    """Number of copies ("label spots") of the one-hot code."""


@dataclass(frozen=True)
class GraphSpec:
    """The base graph of one diffusion step: a grid, its wiring and where visible nodes sit."""

    side: int = 70
    """Grid side L; the graph has L*L cells."""
    torus: bool = True
    pattern: str | None = "G12"
    """Named pattern from `PATTERNS`, or None when `rules` is given explicitly."""
    rules: tuple[tuple[int, int], ...] = PATTERNS["G12"]
    """Connection rules (a, b); each must have a + b odd so the grid stays two-colourable."""
    place: Literal["random", "raster", "spread"] = "random"
    place_seed: int = 0

    @property
    def degree(self) -> int:
        """Degree of an interior node."""
        return 4 * len(self.rules)


@dataclass(frozen=True)
class DiffusionSpec:
    """The forward noising process and its discretisation into steps."""

    steps: int = 8
    schedule: Literal["linear", "log"] = "log"
    offset: float = 0.1
    """Training offset o: step k trains on [t_k (1 - o), t_(k+1) (1 + o)]."""
    image_rate: float = 0.9
    label_rate: float = 0.2


@dataclass(frozen=True)
class PenaltySpec:
    """Correlation penalty: none, fixed per step, or adaptive from measured autocorrelation."""

    kind: Literal["none", "fixed", "adaptive"] = "none"
    values: tuple[float, ...] = (0.0,)
    """Fixed strengths per step (one value applies to every step), or the adaptive start value."""
    threshold: float = 0.016
    """Adaptive: autocorrelation threshold theta."""
    floor: float = 0.001
    """Adaptive: floor m below which the penalty switches off."""


@dataclass(frozen=True)
class TrainSpec:
    """Contrastive-divergence training of each step's conditional EBM."""

    epochs: int = 50
    batch: int = 400
    """Chains (training examples) per gradient step."""
    warmup: int = 400
    """Gibbs sweeps before the first sample in each phase."""
    samples: int = 50
    every: int = 8
    """Sweeps between collected samples."""
    beta: float = 1.0
    lr: tuple[float, ...] = (0.05,)
    """Adam learning rate per step; one value applies to every step."""
    cosine_alpha: float = 0.2
    """Cosine decay ends at `cosine_alpha * lr`."""
    decay_epochs: int | None = None
    """Epochs over which the cosine decay runs; None means `epochs`."""
    penalty: PenaltySpec = field(default_factory=PenaltySpec)
    weight_decay: float = 0.0
    eval_every: int = 5
    """Epochs between evaluations (FID, accuracy, autocorrelation); 0 evaluates only at the end."""
    seed: int = 0
    train_examples: int | None = None
    """Use only the first N training images (class-balanced), or None for all."""


@dataclass(frozen=True)
class GenerateSpec:
    """Generation from noise through all steps with annealed beta."""

    beta_start: float = 0.8
    beta_end: float = 1.2
    sweeps: int = 600
    per_class: int = 512
    """Images per class for evaluation."""
    labels: Literal["free", "clamped"] = "clamped"


@dataclass(frozen=True)
class ModelSpec:
    """A complete, checked description of one DTM: the single input of the compiler."""

    name: str
    data: DataSpec = field(default_factory=DataSpec)
    labels: LabelSpec = field(default_factory=LabelSpec)
    graph: GraphSpec = field(default_factory=GraphSpec)
    diffusion: DiffusionSpec = field(default_factory=DiffusionSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    generate: GenerateSpec = field(default_factory=GenerateSpec)
    target: str = "jax"
    seed: int = 0
    source_text: str = ""
    source_path: str = "<input>"

    @property
    def label_spins(self) -> int:
        """Number of visible label spins."""
        if self.labels.kind == "none":
            return 0
        return len(self.data.classes) * self.labels.repeat

    @property
    def visible_spins(self) -> int:
        """Number of visible output spins per step (image plus label)."""
        return self.data.image_spins + self.label_spins


def spec_to_dict(spec: Any) -> dict[str, Any]:
    """Convert a spec (or a sub-spec) to plain dicts, lists and scalars, for YAML and JSON."""
    def convert(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, tuple):
            return [convert(v) for v in value]
        return value

    return convert(spec)


def _as_tuples(value: Any) -> Any:
    """Turn nested lists (as JSON and YAML give them) back into the tuples the specs use."""
    if isinstance(value, list):
        return tuple(_as_tuples(v) for v in value)
    return value


def spec_from_dict(data: dict[str, Any], cls: type = ModelSpec) -> Any:
    """Rebuild a spec from the plain dict that `spec_to_dict` produced; the inverse of it.

    Args:
        data: the dict, e.g. read back from JSON.
        cls: the spec class to build; nested spec fields are rebuilt recursively.

    Returns:
        An instance of `cls`.

    Raises:
        ValueError: if `data` is not a dict or contains a key that `cls` has no field for.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__} must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{cls.__name__} has no field {unknown[0]!r}; known fields: {', '.join(sorted(names))}")

    values = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            values[key] = spec_from_dict(value, hint)
        else:
            values[key] = _as_tuples(value)
    return cls(**values)
