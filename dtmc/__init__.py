"""dtmc: a compiler toolchain for Denoising Thermodynamic Models."""

__version__ = "0.1.0"

from dtmc.errors import (
    CheckError,
    CheckpointError,
    DataError,
    Diagnostic,
    DtmcError,
    DtmcSyntaxError,
    PassError,
    ProgramError,
    Span,
    TargetError,
)
from dtmc.lang import load_model
from dtmc.spec import ModelSpec
from dtmc.compiler import compile_model
from dtmc.program.artifact import Program, load_program, save_program
from dtmc.chip import build_for_chip, load_target

__all__ = [
    "__version__",
    "CheckError",
    "CheckpointError",
    "DataError",
    "Diagnostic",
    "load_model",
    "DtmcError",
    "DtmcSyntaxError",
    "ModelSpec",
    "PassError",
    "Program",
    "ProgramError",
    "Span",
    "TargetError",
    "build_for_chip",
    "compile_model",
    "load_program",
    "load_target",
    "save_program",
]
