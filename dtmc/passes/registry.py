"""The name-to-pass registry and the hook through which targets add their own passes."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from dtmc.errors import PassError
from dtmc.passes.base import CompilerPass
from dtmc.spec import ModelSpec

__all__ = [
    "PASS_REGISTRY",
    "TARGET_PASS_MODULES",
    "register_pass",
    "pass_from_name",
    "register_target_passes",
    "target_passes",
]

PASS_REGISTRY: dict[str, type[CompilerPass]] = {}

# Functions (spec, target name) -> passes to append for that target; each returns [] for targets
# it does not handle.
_TARGET_PASS_FACTORIES: list[Callable[[ModelSpec, str], Sequence[CompilerPass]]] = []

# Modules that call `register_target_passes` when imported; `target_passes` imports them first so
# that compiling for a target works without the caller importing its backend. A module missing
# from an installation is skipped.
TARGET_PASS_MODULES: list[str] = ["dtmc.chip.passes"]


def register_pass(cls: type[CompilerPass]) -> type[CompilerPass]:
    """Add a pass class to `PASS_REGISTRY` under its `name`; usable as a class decorator.

    Raises:
        ValueError: if the class has no name or another class already uses that name.
    """
    if not cls.name:
        raise ValueError(f"pass class {cls.__name__} has an empty `name`")
    existing = PASS_REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"pass name '{cls.name}' is already registered by {existing.__name__}")
    PASS_REGISTRY[cls.name] = cls
    return cls


def pass_from_name(name: str, **options: Any) -> CompilerPass:
    """Instantiate the registered pass `name` with the given options.

    Raises:
        PassError: if no pass has that name, listing the registered names.
    """
    cls = PASS_REGISTRY.get(name)
    if cls is None:
        raise PassError(f"unknown pass '{name}'; registered passes: {', '.join(sorted(PASS_REGISTRY))}")
    return cls(**options)


def register_target_passes(factory: Callable[[ModelSpec, str], Sequence[CompilerPass]]) -> None:
    """Register a function that returns the extra passes a target needs (e.g. chip fit, quantise).

    `compile_model` calls every registered factory with the spec and the target name and runs the
    passes they return after the lowering pass, in registration order.
    """
    if factory not in _TARGET_PASS_FACTORIES:
        _TARGET_PASS_FACTORIES.append(factory)


def target_passes(spec: ModelSpec, target: str) -> list[CompilerPass]:
    """Collect the extra passes that the registered target factories return for `target`."""
    for module in TARGET_PASS_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    passes: list[CompilerPass] = []
    for factory in _TARGET_PASS_FACTORIES:
        passes.extend(factory(spec, target))
    return passes
