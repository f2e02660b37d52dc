"""Judging generated images: feature FID, classifier accuracy and pictures."""

from dtmc.eval.fid import (
    FID_PROTOCOL,
    FidProtocol,
    class_accuracy,
    fid_score,
    reference_form_for,
    reference_statistics,
)
from dtmc.eval.pictures import plot_autocorrelation, plot_history, save_denoising_gif, save_image_grid

__all__ = [
    "FID_PROTOCOL",
    "FidProtocol",
    "class_accuracy",
    "fid_score",
    "reference_form_for",
    "plot_autocorrelation",
    "plot_history",
    "reference_statistics",
    "save_denoising_gif",
    "save_image_grid",
]
