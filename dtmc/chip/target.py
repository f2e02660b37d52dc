"""Target descriptions: the typed form of a `targets/*.yaml` file and the loader that checks it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from dtmc.chip._schema import check_document
from dtmc.errors import Diagnostic, Span, TargetError
from dtmc.resources import targets_dir
from dtmc.spec import PATTERNS

__all__ = [
    "FixedPoint",
    "Mismatch",
    "Clock",
    "EnergyModel",
    "ChipTarget",
    "JaxTarget",
    "load_target",
    "list_targets",
]


@dataclass(frozen=True)
class FixedPoint:
    """A signed fixed-point register format: codes `-2**(bits-1) .. 2**(bits-1) - 1` times `lsb`."""

    bits: int
    range: float
    """Value of the code `2**(bits-1)`, so the largest storable magnitude is just below it."""

    @property
    def lsb(self) -> float:
        """Value of one code step at the format's nominal scale."""
        return self.range / 2 ** (self.bits - 1)

    @property
    def max_code(self) -> int:
        """Largest code, `2**(bits-1) - 1`."""
        return 2 ** (self.bits - 1) - 1

    @property
    def min_code(self) -> int:
        """Smallest code, `-2**(bits-1)`."""
        return -(2 ** (self.bits - 1))


@dataclass(frozen=True)
class Mismatch:
    """Seeded per-cell gain and offset errors of the cells' response curves."""

    enabled: bool = False
    distribution: Literal["normal", "uniform"] = "normal"
    gain_sigma: float = 0.0
    """Standard deviation of the relative gain error."""
    offset_sigma: float = 0.0
    """Standard deviation of the offset error, in units of the local field."""
    seed: int = 0


@dataclass(frozen=True)
class Clock:
    """Chip clock and the cycle cost of each operation."""

    hz: float
    cycles_per_phase: int
    cycles_per_readout: int
    weight_writes_per_cycle: int


@dataclass(frozen=True)
class EnergyModel:
    """Energy in joules of each counted operation."""

    cell_update: float
    """One cell update, without the random bits it draws."""
    random_bit: float
    readout: float
    """Reading out one cell."""
    weight_write: float
    """Writing one coupling or bias register."""


@dataclass(frozen=True)
class ChipTarget:
    """A probabilistic chip: a grid of sampling cells, its wiring, register formats and costs."""

    name: str
    side: int
    torus: bool
    rules: tuple[tuple[int, int], ...]
    pattern: str | None
    dead_cells: tuple[tuple[int, int], ...]
    weights: FixedPoint
    biases: FixedPoint
    scale: Literal["max", "percentile", "fixed"]
    """Scaling mode of the register formats per step, described in `dtmc.chip.quantise`."""
    resolution_bits: int
    """The random integer compared against a cell's response curve has this many bits."""
    bits_per_update: int
    """Random bits one cell update consumes, for the energy count."""
    mismatch: Mismatch
    clock: Clock
    energy: EnergyModel
    couplings: FixedPoint | None = None
    """Format of the fixed input-coupling registers; None stores them in the weight format."""
    scale_percentile: float = 99.9
    """Percentile of |beta * value| that fills each format's range under `percentile` scaling."""
    path: str = "<target>"
    backend: Literal["emulator"] = "emulator"

    @property
    def degree(self) -> int:
        """Couplings per interior cell."""
        return 4 * len(self.rules)

    @property
    def coupling_format(self) -> FixedPoint:
        """Format of the input-coupling registers: their own, or the weight format."""
        return self.couplings or self.weights


@dataclass(frozen=True)
class JaxTarget:
    """The default float32 JAX backend, with no grid, quantisation or energy model of its own."""

    name: str = "jax"
    path: str = "<target>"
    backend: Literal["jax"] = "jax"


def list_targets() -> list[str]:
    """Return the names of the shipped target descriptions, sorted."""
    return sorted(path.stem for path in targets_dir().glob("*.yaml"))


def load_target(name_or_path: str | Path) -> ChipTarget | JaxTarget:
    """Load and check a target by shipped name (`chip70_g12`) or by path to a YAML file.

    Args:
        name_or_path: a shipped target's name, or a path to a `.yaml` target description.

    Returns:
        The checked target.

    Raises:
        TargetError: if the file is missing, is not valid YAML, or breaks a schema rule; the
            message points at the offending line and column.
    """
    path = _resolve(name_or_path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TargetError(f"cannot read target file {path}: {error}; pass a readable UTF-8 YAML file") from None
    loader = yaml.SafeLoader(source)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        span = Span(mark.line + 1, mark.column + 1) if mark else None
        problem = getattr(error, "problem", None) or str(error)
        diagnostic = Diagnostic(f"invalid YAML: {problem}", span, path=str(path))
        raise TargetError(diagnostic.message, [diagnostic], source) from None
    finally:
        loader.dispose()

    values, diagnostics = check_document(root, str(path))
    if not diagnostics:
        diagnostics = _check_relations(values, str(path))
    if diagnostics:
        raise TargetError(diagnostics[0].message, diagnostics, source)

    if values["backend"][0] == "jax":
        return JaxTarget(name=values["name"][0], path=str(path))
    return _build_chip(values, str(path))


def _resolve(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise TargetError(f"target file '{candidate}' not found; pass a YAML file or one of: {', '.join(list_targets())}")
        return candidate

    shipped = targets_dir() / f"{name_or_path}.yaml"
    if not shipped.is_file():
        raise TargetError(
            f"unknown target '{name_or_path}'; choose one of: {', '.join(list_targets())}, or pass a path to a YAML file"
        )
    return shipped


def _check_relations(values: dict, path: str) -> list[Diagnostic]:
    """Check the rules that involve several fields; each field on its own already passed."""
    found: list[Diagnostic] = []
    if values["backend"][0] != "emulator":
        return found

    def fail(key: str, message: str, hint: str) -> None:
        found.append(Diagnostic(message, values[key][1], hint=hint, path=path))

    side, side_span = values["grid.side"]
    pattern = values["grid.pattern"][0]
    rules = values["grid.rules"][0]
    if (pattern is None) == (rules is None):
        found.append(
            Diagnostic(
                "grid needs exactly one of 'pattern' and 'rules'",
                values["grid"][1],
                hint=f"write 'pattern: G12' (one of {', '.join(PATTERNS)}) or 'rules: [[0, 1], [4, 1]]'",
                path=path,
            )
        )
    if values["grid.torus"][0] and side % 2:
        found.append(Diagnostic(f"torus side {side} is odd; a wrapped grid must have an even side to stay two-colourable", side_span, hint=f"use side {side + 1} or 'torus: false'", path=path))

    seen = set()
    for index, (cell, span) in enumerate(values["grid.dead_cells"][0] or []):
        x, y = cell
        if not (0 <= x < side and 0 <= y < side):
            found.append(Diagnostic(f"dead cell {index} at ({x}, {y}) is outside the {side}x{side} grid", span, hint=f"each coordinate must be in 0..{side - 1}", path=path))
        elif (x, y) in seen:
            found.append(Diagnostic(f"dead cell ({x}, {y}) is listed twice", span, hint="remove the repeated entry", path=path))
        seen.add((x, y))

    coupling_bits, coupling_range = values["couplings.bits"][0], values["couplings.range"][0]
    if (coupling_bits is None) != (coupling_range is None):
        found.append(
            Diagnostic(
                "section 'couplings' needs both 'bits' and 'range'",
                values["couplings"][1],
                hint="give both, or drop the section to store input couplings in the weight format",
                path=path,
            )
        )

    # The local field is summed as integers in units of the finest LSB, so every LSB must be a
    # power of two times the weights' one for each code to be a whole number of field units.
    weight_lsb = values["weights.range"][0] / 2 ** (values["weights.bits"][0] - 1)
    others = [("biases", "bias")]
    if coupling_bits is not None and coupling_range is not None:
        others.append(("couplings", "coupling"))
    for section, noun in others:
        lsb = values[f"{section}.range"][0] / 2 ** (values[f"{section}.bits"][0] - 1)
        ratio = max(weight_lsb, lsb) / min(weight_lsb, lsb)
        if abs(ratio - 2 ** round(math.log2(ratio))) > 1e-9 * ratio:
            fail(
                f"{section}.range",
                f"{noun} LSB {lsb:g} and weight LSB {weight_lsb:g} differ by a factor {ratio:g}, not a power of two",
                f"choose ranges so that range / 2**(bits-1) of weights and {section} differ by 1, 2, 4, ...",
            )
    return found


def _build_chip(values: dict, path: str) -> ChipTarget:
    def get(key: str):
        return values[key][0]

    pattern = get("grid.pattern")
    rules = PATTERNS[pattern] if pattern is not None else tuple(tuple(rule) for rule, _ in get("grid.rules"))
    dead = tuple(sorted(tuple(cell) for cell, _ in (get("grid.dead_cells") or [])))
    return ChipTarget(
        name=get("name"),
        side=get("grid.side"),
        torus=get("grid.torus"),
        rules=rules,
        pattern=pattern,
        dead_cells=dead,
        weights=FixedPoint(get("weights.bits"), get("weights.range")),
        biases=FixedPoint(get("biases.bits"), get("biases.range")),
        scale=get("weights.scale"),
        resolution_bits=get("random.resolution_bits"),
        bits_per_update=get("random.bits_per_update"),
        mismatch=Mismatch(
            enabled=get("mismatch.enabled"),
            distribution=get("mismatch.distribution"),
            gain_sigma=get("mismatch.gain_sigma"),
            offset_sigma=get("mismatch.offset_sigma"),
            seed=get("mismatch.seed"),
        ),
        clock=Clock(get("clock.hz"), get("clock.cycles_per_phase"), get("clock.cycles_per_readout"), get("clock.weight_writes_per_cycle")),
        energy=EnergyModel(get("energy.cell_update"), get("energy.random_bit"), get("energy.readout"), get("energy.weight_write")),
        couplings=FixedPoint(get("couplings.bits"), get("couplings.range")) if get("couplings.bits") is not None else None,
        scale_percentile=get("weights.percentile"),
        path=path,
    )

