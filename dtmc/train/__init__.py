"""Training, generation and checkpoints of compiled DTM programs."""

from dtmc.train.checkpoint import graph_fingerprint, load_checkpoint, read_checkpoint, save_checkpoint
from dtmc.train.generation import Generated, Generator
from dtmc.train.penalty import PenaltyState, adapt_penalty
from dtmc.train.state import TrainState
from dtmc.train.trainer import Trainer, TrainingDiverged, TrainingInterrupted

__all__ = [
    "Generated",
    "Generator",
    "PenaltyState",
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "TrainingInterrupted",
    "adapt_penalty",
    "graph_fingerprint",
    "load_checkpoint",
    "read_checkpoint",
    "save_checkpoint",
]
