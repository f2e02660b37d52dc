"""Pictures of a run: image grids, denoising animations, and plots of metrics over epochs or lags."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dtmc.errors import DataError, DtmcError

__all__ = ["grid_pixels", "save_image_grid", "save_denoising_gif", "plot_history", "plot_autocorrelation"]

# Grids are upscaled so that each image is at least this many pixels wide.
_MIN_CELL = 56
_GAP = 2
_LABEL_WIDTH = 64


def _write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary_path)`, then rename the result to `path` so no reader sees half a file."""
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    except OSError as error:
        raise DtmcError(f"cannot write {target}: {error.strerror} ({error.filename}); give a file path in a writable folder, not a folder or a path under a file") from None
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _check_images(images: np.ndarray, rank: int, shape_text: str) -> np.ndarray:
    array = np.asarray(images, dtype=np.float32)
    if array.ndim != rank or 0 in array.shape:
        raise DataError(f"images have shape {array.shape}; expected {shape_text}")
    if not np.all(np.isfinite(array)):
        raise DataError("images contain NaN or infinite values; expected floats in [0, 1]")
    return np.clip(array, 0.0, 1.0)


def grid_pixels(images: np.ndarray, row_labels: Sequence[str] | None = None) -> np.ndarray:
    """Tile float [rows, cols, H, W] images in [0, 1] into one uint8 grayscale picture.

    Each image is enlarged by an integer factor to at least 56 pixels, and a 2-pixel gray gap
    separates images. Row labels, when given, are written in a white margin on the left.

    Raises:
        DataError: for a wrong rank, non-finite values or a label count that differs from rows.
    """
    array = _check_images(images, 4, "[rows, cols, height, width]")
    rows, cols, height, width = array.shape
    zoom = max(1, -(-_MIN_CELL // max(height, width)))
    cell_h, cell_w = height * zoom, width * zoom
    margin = _LABEL_WIDTH if row_labels is not None else 0
    if row_labels is not None and len(row_labels) != rows:
        raise DataError(f"got {len(row_labels)} row labels for {rows} rows; give one label per row")

    canvas = np.full(
        (rows * (cell_h + _GAP) + _GAP, margin + cols * (cell_w + _GAP) + _GAP), 128, dtype=np.uint8
    )
    canvas[:, :margin] = 255
    enlarged = np.kron(array, np.ones((zoom, zoom), dtype=np.float32))
    for r in range(rows):
        for c in range(cols):
            top = _GAP + r * (cell_h + _GAP)
            left = margin + _GAP + c * (cell_w + _GAP)
            canvas[top:top + cell_h, left:left + cell_w] = np.round(enlarged[r, c] * 255)

    if row_labels is not None:
        picture = Image.fromarray(canvas)
        draw = ImageDraw.Draw(picture)
        for r, label in enumerate(row_labels):
            draw.text((4, _GAP + r * (cell_h + _GAP) + cell_h // 2 - 5), str(label)[:10], fill=0)
        canvas = np.asarray(picture)
    return canvas


def save_image_grid(
    path: str | os.PathLike,
    images: np.ndarray,
    row_labels: Sequence[str] | None = None,
) -> Path:
    """Save float [rows, cols, H, W] images in [0, 1] as one PNG, one row per class.

    Returns:
        The written path.
    """
    canvas = grid_pixels(images, row_labels)
    return _write_atomically(path, lambda temporary: Image.fromarray(canvas).save(temporary, format="PNG"))


def save_denoising_gif(
    path: str | os.PathLike,
    frames: np.ndarray,
    *,
    columns: int | None = None,
    frame_ms: int = 250,
    last_frame_ms: int = 1500,
) -> Path:
    """Save an animated GIF of images being denoised across steps.

    Args:
        path: output file.
        frames: float [n_frames, N, H, W] in [0, 1]; frame k shows all N images after step k.
        columns: images per row of each frame; default ceil(sqrt(N)).
        frame_ms: display time of each frame, in milliseconds.
        last_frame_ms: display time of the final, denoised frame, in milliseconds.

    Returns:
        The written path.

    Raises:
        DataError: for a wrong rank or non-finite values.
    """
    array = _check_images(frames, 4, "[n_frames, N, height, width]")
    n_frames, n, height, width = array.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = -(-n // columns)

    # Pad with black images so every frame fills the rows x columns grid.
    padded = np.zeros((n_frames, rows * columns, height, width), dtype=np.float32)
    padded[:, :n] = array
    pictures = [
        Image.fromarray(grid_pixels(frame.reshape(rows, columns, height, width))) for frame in padded
    ]
    durations = [frame_ms] * (n_frames - 1) + [last_frame_ms]

    def write(temporary: Path) -> None:
        pictures[0].save(
            temporary, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0
        )

    return _write_atomically(path, write)


def _plot_lines(
    path: str | os.PathLike,
    x: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    xlabel: str,
    ylabel: str,
    title: str,
    reference_line: float | None = None,
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_values = np.asarray(x, dtype=np.float64)
    for name, values in curves.items():
        if len(values) != len(x_values):
            raise DataError(f"curve '{name}' has {len(values)} values for {len(x_values)} x positions")

    figure, axes = plt.subplots(figsize=(6, 4))
    try:
        for name, values in curves.items():
            axes.plot(x_values, np.asarray(values, dtype=np.float64), marker="o", markersize=3, label=name or None)
        if reference_line is not None:
            axes.axhline(reference_line, color="gray", linewidth=0.8)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        axes.grid(alpha=0.3)
        if len(curves) > 1 or any(curves):
            axes.legend()
        figure.tight_layout()
        return _write_atomically(path, lambda temporary: figure.savefig(temporary, format="png", dpi=100))
    finally:
        plt.close(figure)


def plot_history(
    path: str | os.PathLike,
    epochs: Sequence[int],
    values: Sequence[float] | Mapping[str, Sequence[float]],
    ylabel: str,
    title: str,
) -> Path:
    """Plot a metric over epochs (for example FID or autocorrelation) and save it as PNG.

    Args:
        path: output file.
        epochs: x positions.
        values: one series, or name -> series for several lines (for example one per step).
        ylabel: y-axis label; name the metric and, for FID, that it is the feature FID.
        title: plot title.

    Raises:
        DataError: if a series length differs from the number of epochs.
    """
    curves = dict(values) if isinstance(values, Mapping) else {"": values}
    return _plot_lines(path, epochs, curves, "epoch", ylabel, title)


def plot_autocorrelation(
    path: str | os.PathLike,
    lags: Sequence[int],
    curves: Mapping[str, Sequence[float]] | np.ndarray,
    title: str = "autocorrelation of free chains",
) -> Path:
    """Plot normalised autocorrelation against lag (in sweeps) and save it as PNG.

    Args:
        path: output file.
        lags: lag values in sweeps.
        curves: name -> autocorrelation per lag, or an array [n_curves, n_lags] (named step 1..n).
        title: plot title.
    """
    if not isinstance(curves, Mapping):
        array = np.atleast_2d(np.asarray(curves, dtype=np.float64))
        curves = {f"step {i + 1}": row for i, row in enumerate(array)}
    return _plot_lines(path, lags, curves, "lag (sweeps)", "autocorrelation", title, reference_line=0.0)
