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
from dtmc.spec import ModelSpec

__all__ = [
    "__version__",
    "CheckError",
    "CheckpointError",
    "DataError",
    "Diagnostic",
    "DtmcError",
    "DtmcSyntaxError",
    "ModelSpec",
    "PassError",
    "ProgramError",
    "Span",
    "TargetError",
]
