"""Checkpoint files: atomic, checksummed, and tied to the graph of the program they train.

A checkpoint is one file: a magic line, a one-line JSON header, then an `.npz` payload with the
parameters, optimiser state, penalty state and PRNG key. The header stores the payload's sha256
and the program fingerprint, so a corrupted file or a checkpoint of another graph is rejected with
a `CheckpointError` before any array is used.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jax
import numpy as np

from dtmc.errors import CheckpointError
from dtmc.program.arrays import GraphArrays
from dtmc.train.penalty import PenaltyState
from dtmc.train.state import TrainState

__all__ = [
    "MAGIC",
    "atomic_write",
    "graph_fingerprint",
    "load_checkpoint",
    "load_parameters",
    "read_checkpoint",
    "save_checkpoint",
]

MAGIC = b"DTMC-CHECKPOINT 1\n"


def graph_fingerprint(graph: GraphArrays, *, with_couplings: bool = True) -> str:
    """Return a sha256 of everything that fixes the meaning of trained parameters.

    Args:
        graph: the compiled graph.
        with_couplings: include the per-step input couplings; without them two runs that share
            the base graph but differ in the noise schedule get the same fingerprint.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([graph.side, graph.torus, [list(r) for r in graph.rules]]).encode())
    arrays = [graph.role, graph.visible_node, graph.edges]
    if with_couplings:
        arrays.append(graph.coupling)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` so a reader sees either the old file or the whole new one.

    The bytes go to a temporary file in the same folder and are flushed to disk with fsync. Then
    the temporary file is renamed over `path`, and the folder is fsynced so the rename survives a crash.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())

        # mkstemp makes the file readable by its owner only; give it the mode open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def save_checkpoint(path: str | os.PathLike[str], state: TrainState, graph: GraphArrays) -> None:
    """Write `state` atomically to `path`, tagged with the graph fingerprint."""
    arrays = {
        "weights": np.asarray(state.weights),
        "biases": np.asarray(state.biases),
        "penalty_strength": np.asarray(state.penalty.strength),
        "penalty_last_autocorrelation": np.asarray(state.penalty.last_autocorrelation),
        "key": np.asarray(state.key),
        "couplings": np.asarray(graph.coupling),
    }
    for i, leaf in enumerate(jax.tree_util.tree_leaves(state.opt_state)):
        arrays[f"opt_{i}"] = np.asarray(leaf)

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    header = {
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        "graph_fingerprint": graph_fingerprint(graph),
        "base_graph_fingerprint": graph_fingerprint(graph, with_couplings=False),
        "epoch": state.epoch,
        "batch": state.batch,
        "history": state.history,
    }
    atomic_write(path, MAGIC + json.dumps(header).encode() + b"\n" + payload)


def read_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a checkpoint file without matching it to a program.

    Returns:
        `(header, arrays)`.

    Raises:
        CheckpointError: if the file is missing, is not a checkpoint, or fails its checksum.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror}") from None

    if not data.startswith(MAGIC):
        raise CheckpointError(f"{path} is not a dtmc checkpoint (it does not start with {MAGIC!r}); pass a .ckpt file written by `dtmc run`")
    newline = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC) : newline])
        payload = data[newline + 1 :]
        valid = len(payload) == header["payload_bytes"] and hashlib.sha256(payload).hexdigest() == header["payload_sha256"]
    except (ValueError, KeyError, TypeError):
        valid = False
    if newline < 0 or not valid:
        raise CheckpointError(
            f"checkpoint {path} is corrupted or truncated (its checksum does not match); "
            "resume from an earlier checkpoint of the same folder with `dtmc run --resume RUN_DIR/checkpoints/epoch_NNN.ckpt`"
        )

    with np.load(io.BytesIO(payload)) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return header, arrays


def load_checkpoint(path: str | os.PathLike[str], graph: GraphArrays, opt_template: Any) -> TrainState:
    """Load a checkpoint into a run of `graph`.

    Args:
        path: checkpoint file.
        graph: graph of the program being trained; must match the one the checkpoint was made for.
        opt_template: a freshly initialised optimiser state, whose tree structure the saved leaves
            are put back into.

    Returns:
        The saved training state.

    Raises:
        CheckpointError: for a missing, corrupted or incompatible checkpoint.
    """
    header, arrays = read_checkpoint(path)
    if header["graph_fingerprint"] != graph_fingerprint(graph):
        raise CheckpointError(
            f"checkpoint {path} was written for a different program (graph fingerprint "
            f"{header['graph_fingerprint'][:12]} != {graph_fingerprint(graph)[:12]}); resume with the "
            "program.dtmp of the run that wrote it"
        )

    leaves, treedef = jax.tree_util.tree_flatten(opt_template)
    saved = [arrays.get(f"opt_{i}") for i in range(len(leaves))]
    if any(s is None or np.shape(s) != np.shape(t) for s, t in zip(saved, leaves)) or f"opt_{len(leaves)}" in arrays:
        raise CheckpointError(
            f"checkpoint {path} contains an optimiser state whose structure or shapes differ from what "
            "this program expects, so it was written for another model or dtmc version"
        )
    expected = (graph.n_steps, graph.edges.shape[0]), (graph.n_steps, graph.n_grid)
    if arrays["weights"].shape != expected[0] or arrays["biases"].shape != expected[1]:
        raise CheckpointError(
            f"checkpoint {path} has parameter shapes {arrays['weights'].shape} and {arrays['biases'].shape}, "
            f"expected {expected[0]} and {expected[1]}"
        )

    return TrainState(
        weights=arrays["weights"],
        biases=arrays["biases"],
        opt_state=jax.tree_util.tree_unflatten(treedef, [np.asarray(s) for s in saved]),
        penalty=PenaltyState(arrays["penalty_strength"], arrays["penalty_last_autocorrelation"]),
        key=arrays["key"],
        epoch=int(header["epoch"]),
        batch=int(header["batch"]),
        history=list(header["history"]),
    )


def load_parameters(
    path: str | os.PathLike[str], graph: GraphArrays, steps_from: dict[int, str | os.PathLike[str]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Load the trained weights and biases of every step, optionally taking steps from other runs.

    Steps train independently, so a step's parameters from any run with the same base graph and
    the same input coupling for that step are a valid replacement.

    Args:
        path: checkpoint that supplies every step not named in `steps_from`.
        graph: graph of the program that will use the parameters.
        steps_from: 0-based step index to the checkpoint that supplies that step.

    Returns:
        `(weights float32[T, m], biases float32[T, n_grid])`.

    Raises:
        CheckpointError: if a checkpoint is corrupted, of another base graph, or its coupling of the
            borrowed step differs.
    """
    header, arrays = read_checkpoint(path)
    if header["graph_fingerprint"] != graph_fingerprint(graph):
        raise CheckpointError(
            f"checkpoint {path} was written for a different program (graph fingerprint "
            f"{header['graph_fingerprint'][:12]} != {graph_fingerprint(graph)[:12]}); use the program.dtmp of its run"
        )
    weights, biases = arrays["weights"].copy(), arrays["biases"].copy()

    for step, source in sorted((steps_from or {}).items()):
        if not 0 <= step < graph.n_steps:
            raise CheckpointError(f"step {step + 1} does not exist; the program has steps 1..{graph.n_steps}")
        other_header, other = read_checkpoint(source)
        if other_header.get("base_graph_fingerprint") != graph_fingerprint(graph, with_couplings=False):
            raise CheckpointError(f"checkpoint {source} was trained on another base graph, so its step {step + 1} cannot be reused")
        if other.get("couplings") is not None and not np.array_equal(other["couplings"][step], graph.coupling[step]):
            raise CheckpointError(
                f"step {step + 1} of checkpoint {source} was trained with other input couplings (another noise "
                "schedule), so it does not denoise this program's step; pick a run with the same diffuse settings"
            )
        weights[step], biases[step] = other["weights"][step], other["biases"][step]
    return weights, biases
