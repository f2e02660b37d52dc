"""The compiled program and its on-disk artifact: one zip of a JSON manifest and `.npy` arrays.

The artifact is reproducible: entries are written in a fixed order with a fixed timestamp, the
manifest is JSON with sorted keys, and arrays are plain `.npy` files, so the same model and seed
give the same bytes. A SHA-256 content hash over the manifest and every array is stored in the
manifest and checked on load, so truncation and corruption are detected.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dtmc.errors import ProgramError
from dtmc.program.arrays import GraphArrays
from dtmc.spec import ModelSpec, spec_from_dict

__all__ = [
    "FORMAT_VERSION",
    "PROGRAM_SUFFIX",
    "Program",
    "content_hash",
    "load_program",
    "save_program",
    "seal_program",
]

FORMAT_VERSION = 1
PROGRAM_SUFFIX = ".dtmp"

# Earliest timestamp a zip entry can hold; a fixed value keeps the bytes independent of the clock.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_GRAPH_FIELDS = ("role", "cell", "colour", "visible_node", "edges", "edge_direction", "coupling")


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled DTM: what `run`, `sample`, `schedule` and `report` read without reparsing.

    Attributes:
        manifest: format_version, dtmc_version, source_text, source_sha256, spec, target, seeds,
            per-step node and edge counts, colours, pass list and (once saved or loaded)
            content_hash.
        spec: the model the program was compiled from.
        graph: the dense base graph and per-step couplings.
        schedule: phase name to bool[n_nodes] free mask (True = sampled).
        blocks: grid node ids of each colour block, in update order.
        init_weights: float32[T, m] initial base-edge weights.
        init_biases: float32[T, L*L] initial grid-node biases.
    """

    manifest: dict
    spec: ModelSpec
    graph: GraphArrays
    schedule: dict[str, np.ndarray]
    blocks: tuple[np.ndarray, ...]
    init_weights: np.ndarray
    init_biases: np.ndarray

    @property
    def n_steps(self) -> int:
        """Number of diffusion steps T."""
        return self.graph.n_steps

    @property
    def n_nodes(self) -> int:
        """Nodes of one step's graph: grid cells plus input nodes."""
        return self.graph.n_nodes

    @property
    def n_edges(self) -> int:
        """Trainable base edges m of one step."""
        return int(self.graph.edges.shape[0])

    @property
    def n_parameters(self) -> int:
        """Trainable parameters over all steps: T * (m edge weights + L*L biases)."""
        return int(self.init_weights.size + self.init_biases.size)

    def sizes(self) -> dict[str, int]:
        """Return the program's sizes (per step unless named total), for reports."""
        return {
            "steps": self.n_steps,
            "grid_side": self.graph.side,
            "grid_nodes": self.graph.n_grid,
            "visible_spins": self.graph.n_visible,
            "nodes": self.n_nodes,
            "base_edges": self.n_edges,
            "coupling_edges": self.graph.n_visible,
            "colours": self.graph.n_colours,
            "parameters_total": self.n_parameters,
        }


def _array_entries(program: Program) -> list[tuple[str, np.ndarray]]:
    """List every array of `program` under its artifact entry name, in a fixed order."""
    entries = [(f"graph/{name}", getattr(program.graph, name)) for name in _GRAPH_FIELDS]
    entries += [(f"schedule/{phase}", mask) for phase, mask in sorted(program.schedule.items())]
    entries += [(f"blocks/{index:03d}", block) for index, block in enumerate(program.blocks)]
    entries += [("params/init_weights", program.init_weights), ("params/init_biases", program.init_biases)]
    return entries


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=1, allow_nan=False) + "\n").encode("utf-8")


def content_hash(manifest: dict, arrays: list[tuple[str, bytes]]) -> str:
    """Return the SHA-256 hex digest over the manifest (without `content_hash`) and every array file."""
    digest = hashlib.sha256()
    body = {k: v for k, v in manifest.items() if k != "content_hash"}
    digest.update(_manifest_bytes(body))
    for name, data in arrays:
        digest.update(name.encode("utf-8") + b"\0" + len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def seal_program(program: Program) -> Program:
    """Return a copy of `program` whose manifest carries the content hash of its current arrays."""
    arrays = [(name + ".npy", _npy_bytes(array)) for name, array in _array_entries(program)]
    manifest = dict(program.manifest)
    manifest["content_hash"] = content_hash(manifest, arrays)
    return dataclasses.replace(program, manifest=manifest)


def save_program(program: Program, path: str | os.PathLike) -> Path:
    """Write `program` to `path` atomically (temporary file in the same folder, then rename).

    Args:
        program: the compiled program.
        path: destination file, conventionally with suffix `.dtmp`.

    Returns:
        `path`. The manifest written carries a freshly computed `content_hash`.

    Raises:
        ProgramError: if the folder or the file cannot be written.
    """
    path = Path(path)
    # The rename below would replace a folder's entry, a device or a pipe with the program file.
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ProgramError(f"cannot write program {path}: it is {kind}; give a file path such as model.dtmp")

    arrays = [(name + ".npy", _npy_bytes(array)) for name, array in _array_entries(program)]
    manifest = dict(program.manifest)
    manifest["content_hash"] = content_hash(manifest, arrays)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise ProgramError(f"cannot write program {path}: {error.strerror}; choose a writable output path") from error

    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w") as archive:
                for name, data in [("manifest.json", _manifest_bytes(manifest))] + arrays:
                    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data, compresslevel=6)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file private (0600); give it the permissions a plain open() would.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ProgramError(f"cannot write program {path}: {error}; choose a writable output path") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _current_umask() -> int:
    """Return the process umask (reading it requires setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _corrupt(path: Path, detail: str) -> ProgramError:
    return ProgramError(
        f"program {path} is truncated or corrupted ({detail}); compile the model again with `dtmc compile`"
    )


def load_program(path: str | os.PathLike) -> Program:
    """Read a program written by `save_program` and check its format version and content hash.

    Raises:
        ProgramError: if the file is missing, not a dtmc program, of another format version,
            truncated or corrupted.
    """
    path = Path(path)
    if not path.is_file():
        raise ProgramError(f"program {path} not found; compile a model with `dtmc compile FILE -o {path}`")

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "manifest.json" not in names:
                raise ProgramError(f"{path} is not a dtmc program (no manifest.json); compile the model with `dtmc compile`")
            manifest = json.loads(archive.read("manifest.json"))
            _check_version(path, manifest)
            raw = [(name, archive.read(name)) for name in names if name != "manifest.json"]
    except ProgramError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as error:
        raise _corrupt(path, str(error) or type(error).__name__) from error

    expected = manifest.get("content_hash")
    if expected != content_hash(manifest, raw):
        raise _corrupt(path, "content hash mismatch")

    try:
        arrays = {name.removesuffix(".npy"): np.load(io.BytesIO(data), allow_pickle=False) for name, data in raw}
        spec = spec_from_dict(manifest["spec"])
        graph = GraphArrays(
            side=spec.graph.side,
            torus=spec.graph.torus,
            rules=tuple(tuple(rule) for rule in spec.graph.rules),
            **{name: arrays[f"graph/{name}"] for name in _GRAPH_FIELDS},
        )
        schedule = {key.split("/", 1)[1]: value for key, value in arrays.items() if key.startswith("schedule/")}
        blocks = tuple(arrays[key] for key in sorted(arrays) if key.startswith("blocks/"))
        _check_consistent(spec, graph, schedule, blocks, arrays["params/init_weights"], arrays["params/init_biases"])
        return Program(
            manifest=manifest,
            spec=spec,
            graph=graph,
            schedule=schedule,
            blocks=blocks,
            init_weights=arrays["params/init_weights"],
            init_biases=arrays["params/init_biases"],
        )
    except (KeyError, ValueError, TypeError, IndexError) as error:
        raise _corrupt(path, f"missing or invalid entry: {error}") from error


def _check_consistent(spec: ModelSpec, graph: GraphArrays, schedule: dict[str, np.ndarray],
                      blocks: tuple[np.ndarray, ...], weights: np.ndarray, biases: np.ndarray) -> None:
    """Raise ValueError when the arrays do not fit each other or the spec.

    The content hash only detects accidental damage: a file edited and hashed again passes it, and
    backends index these arrays without further checks.
    """
    try:
        graph.validate()
    except AssertionError:
        raise ValueError("graph arrays break the node numbering") from None
    if graph.edges.size and graph.edges.min() < 0:
        raise ValueError("graph/edges has a negative node id")

    steps, n_edges = spec.diffusion.steps, graph.edges.shape[0]
    if graph.n_visible != spec.visible_spins or graph.n_steps != steps:
        raise ValueError(f"graph/coupling has shape {graph.coupling.shape}, expected ({steps}, {spec.visible_spins})")
    if weights.shape != (steps, n_edges) or biases.shape != (steps, graph.n_grid):
        raise ValueError(f"parameter shapes {weights.shape} and {biases.shape} do not match {steps} steps, "
                         f"{n_edges} edges and {graph.n_grid} grid nodes")
    for phase, mask in schedule.items():
        if mask.shape != (graph.n_nodes,) or mask.dtype != np.bool_:
            raise ValueError(f"schedule/{phase} is not a bool mask over {graph.n_nodes} nodes")
    for block in blocks:
        if block.ndim != 1 or (block.size and (block.min() < 0 or block.max() >= graph.n_grid)):
            raise ValueError(f"a colour block contains node ids outside 0..{graph.n_grid - 1}")


def _check_version(path: Path, manifest: Any) -> None:
    """Raise `ProgramError` unless the manifest has this dtmc's format version."""
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if version != FORMAT_VERSION:
        raise ProgramError(
            f"program {path} has format version {version!r}, but this dtmc reads version {FORMAT_VERSION}; "
            "compile the model again with this dtmc"
        )
