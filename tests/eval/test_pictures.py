"""Image grids, denoising GIFs and plots written to disk and read back."""

import numpy as np
import pytest
from PIL import Image

from dtmc.errors import DataError
from dtmc.eval import plot_autocorrelation, plot_history, save_denoising_gif, save_image_grid


def test_grid_layout_and_pixels(tmp_path):
    """2 rows x 3 cols of 28x28 images: zoom 2, 56-pixel cells, 2-pixel gaps."""
    images = np.random.default_rng(0).random((2, 3, 28, 28)).astype(np.float32)
    path = save_image_grid(tmp_path / "grid.png", images)
    picture = np.asarray(Image.open(path))
    assert picture.shape == (2 * 58 + 2, 3 * 58 + 2)

    # Row 1, column 2 starts at (2 + 58, 2 + 2 * 58); its first pixel block is image[1, 2, 0, 0].
    top, left = 60, 118
    assert picture[top, left] == round(float(images[1, 2, 0, 0]) * 255)
    assert picture[top + 1, left + 1] == picture[top, left]
    assert picture[0, 0] == 128


def test_grid_with_row_labels(tmp_path):
    images = np.zeros((3, 2, 14, 14))
    path = save_image_grid(tmp_path / "grid.png", images, row_labels=["0", "1", "2"])
    picture = np.asarray(Image.open(path))
    assert picture.shape == (3 * 58 + 2, 64 + 2 * 58 + 2)
    assert picture[:, :64].min() < 100  # dark label text in the white margin


def test_grid_rejects_label_count(tmp_path):
    with pytest.raises(DataError, match="got 1 row labels for 2 rows"):
        save_image_grid(tmp_path / "grid.png", np.zeros((2, 2, 4, 4)), row_labels=["a"])


def test_grid_rejects_nan(tmp_path):
    images = np.zeros((1, 1, 4, 4))
    images[0, 0, 0, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        save_image_grid(tmp_path / "grid.png", images)


def test_denoising_gif_frames(tmp_path):
    frames = np.linspace(0, 1, 4)[:, None, None, None] * np.ones((4, 5, 14, 14))
    path = save_denoising_gif(tmp_path / "denoise.gif", frames)
    with Image.open(path) as gif:
        assert gif.n_frames == 4
        assert gif.info["loop"] == 0
        assert gif.size == (3 * 58 + 2, 2 * 58 + 2)


def test_denoising_gif_rejects_rank(tmp_path):
    with pytest.raises(DataError, match=r"expected \[n_frames, N, height, width\]"):
        save_denoising_gif(tmp_path / "x.gif", np.zeros((3, 14, 14)))


def test_plot_history_writes_png(tmp_path):
    path = plot_history(tmp_path / "fid.png", [1, 2, 3], {"dtm": [30.0, 20.0, 25.0]}, "feature FID", "FID")
    assert Image.open(path).format == "PNG"


def test_plot_history_rejects_length(tmp_path):
    with pytest.raises(DataError, match="has 2 values for 3 x positions"):
        plot_history(tmp_path / "fid.png", [1, 2, 3], [1.0, 2.0], "feature FID", "FID")


def test_plot_autocorrelation_array(tmp_path):
    curves = np.exp(-np.arange(10)[None, :] / np.array([[2.0], [5.0]]))
    path = plot_autocorrelation(tmp_path / "acf.png", list(range(10)), curves)
    assert Image.open(path).format == "PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["acf.png"]
