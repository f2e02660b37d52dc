"""Locate the files dtmc ships beside its code: the grammar, target descriptions and examples.

In a source checkout they sit at the repository top level (`grammar/`, `targets/`, `examples/`);
in an installed wheel they are packaged under `dtmc/_shipped/`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["shipped_dir", "grammar_path", "targets_dir", "examples_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Return the folder `name` ("grammar", "targets" or "examples") from the wheel or the checkout.

    Raises:
        FileNotFoundError: if neither location has it, which means a broken installation.
    """
    for candidate in (_PACKAGE_DIR / "_shipped" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"dtmc's '{name}' folder is missing from both {_PACKAGE_DIR / '_shipped'} and "
        f"{_PACKAGE_DIR.parent}; reinstall dtmc"
    )


def grammar_path() -> Path:
    """Return the path of the `.dtm` lark grammar."""
    return shipped_dir("grammar") / "dtm.lark"


def targets_dir() -> Path:
    """Return the folder of shipped target descriptions (`*.yaml`)."""
    return shipped_dir("targets")


def examples_dir() -> Path:
    """Return the folder of shipped example model files (`*.dtm`)."""
    return shipped_dir("examples")
