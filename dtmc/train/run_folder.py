"""The run folder: model, program, checkpoints, metrics, pictures and log of one training run.

Layout::

    log.txt  model.dtm  resolved.yaml  program.dtmp  metrics.jsonl
    checkpoints/epoch_XXX.ckpt  checkpoints/latest  (a text file naming the newest checkpoint)
    images/epoch_XXX_clamped.png  images/epoch_XXX_free.png
    denoising.gif  fid.png  autocorrelation.png
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dtmc.errors import CheckpointError
from dtmc.spec import ModelSpec, spec_to_dict
from dtmc.train.checkpoint import atomic_write

__all__ = ["RunFolder", "default_run_path"]


def default_run_path(model_name: str, base: str | Path = "runs") -> Path:
    """Return `runs/<model>-<UTC timestamp>`, adding a counter if that folder exists."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = Path(base) / f"{model_name}-{stamp}"
    counter = 1
    while path.exists():
        counter += 1
        path = Path(base) / f"{model_name}-{stamp}-{counter}"
    return path


@dataclass(frozen=True)
class RunFolder:
    """Paths and writers of one run folder."""

    path: Path

    @property
    def checkpoints(self) -> Path:
        """Folder of checkpoint files."""
        return self.path / "checkpoints"

    @property
    def images(self) -> Path:
        """Folder of sample grids."""
        return self.path / "images"

    @property
    def program_path(self) -> Path:
        """The compiled program the run trains."""
        return self.path / "program.dtmp"

    @property
    def metrics_path(self) -> Path:
        """One JSON line per evaluated epoch."""
        return self.path / "metrics.jsonl"

    def create(self, spec: ModelSpec) -> None:
        """Create the folders and write the model source and its resolved settings.

        Raises:
            CheckpointError: if the folders cannot be created, e.g. because the path or a parent is a file.
        """
        try:
            self.checkpoints.mkdir(parents=True, exist_ok=True)
            self.images.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CheckpointError(
                f"cannot create run folder {self.path}: {error.strerror} ({error.filename}); "
                "pass -o a new folder path that is not a file or inside one"
            ) from None
        atomic_write(self.path / "model.dtm", spec.source_text.encode())
        resolved = yaml.safe_dump(spec_to_dict(spec) | {"source_text": None}, sort_keys=False)
        atomic_write(self.path / "resolved.yaml", resolved.encode())

    def attach_log(self) -> logging.Handler:
        """Send dtmc's INFO log records to `log.txt` (appending, so a resumed run continues it)."""
        handler = logging.FileHandler(self.path / "log.txt", encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("dtmc")
        root.addHandler(handler)
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)
        return handler

    def checkpoint_path(self, epoch: int, batch: int = 0) -> Path:
        """Return the checkpoint path of an epoch boundary, or of an interruption inside an epoch."""
        if batch:
            return self.checkpoints / f"epoch_{epoch:03d}_batch_{batch:04d}.ckpt"
        return self.checkpoints / f"epoch_{epoch:03d}.ckpt"

    def mark_latest(self, checkpoint: Path) -> None:
        """Point `checkpoints/latest` at `checkpoint` (atomically)."""
        atomic_write(self.checkpoints / "latest", (checkpoint.name + "\n").encode())

    def latest_checkpoint(self) -> Path:
        """Return the checkpoint `checkpoints/latest` names.

        Raises:
            CheckpointError: if the run folder has no checkpoint yet.
        """
        pointer = self.checkpoints / "latest"
        if not pointer.is_file():
            raise CheckpointError(
                f"run folder {self.path} has no checkpoints/latest; pass a folder written by `dtmc run`, "
                "or a checkpoint file with --checkpoint"
            )
        return self.checkpoints / pointer.read_text().strip()

    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one metrics record to `metrics.jsonl`, rewriting the file atomically."""
        previous = self.metrics_path.read_bytes() if self.metrics_path.exists() else b""
        atomic_write(self.metrics_path, previous + json.dumps(record).encode() + b"\n")

    def rewrite_metrics(self, records: list[dict[str, Any]]) -> None:
        """Replace `metrics.jsonl` by `records` (used on resume to drop epochs after the checkpoint)."""
        atomic_write(self.metrics_path, b"".join(json.dumps(r).encode() + b"\n" for r in records))
