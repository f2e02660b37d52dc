"""Compiler passes, one per module, registered by name, and the pipeline that runs them."""

from dtmc.passes.base import CompilerPass
from dtmc.passes.colouring import ColouringPass, ColouringWarning
from dtmc.passes.coupling import CouplingPass
from dtmc.passes.lower import LowerPass
from dtmc.passes.pipeline import ALL_PASSES, PassPipeline, PassRecord
from dtmc.passes.placement import PLACEMENT_STRATEGIES, PlacementPass
from dtmc.passes.registry import (
    PASS_REGISTRY,
    pass_from_name,
    register_pass,
    register_target_passes,
    target_passes,
)
from dtmc.passes.schedule import PHASES, SchedulePass
from dtmc.passes.topology import TopologyPass

__all__ = [
    "ALL_PASSES",
    "PASS_REGISTRY",
    "PHASES",
    "PLACEMENT_STRATEGIES",
    "ColouringPass",
    "ColouringWarning",
    "CompilerPass",
    "CouplingPass",
    "LowerPass",
    "PassPipeline",
    "PassRecord",
    "PlacementPass",
    "SchedulePass",
    "TopologyPass",
    "default_passes",
    "pass_from_name",
    "register_pass",
    "register_target_passes",
    "target_passes",
]


def default_passes() -> list[CompilerPass]:
    """Return the standard pipeline: topology, placement, coupling, colouring, schedule, lower."""
    return [TopologyPass(), PlacementPass(), CouplingPass(), ColouringPass(), SchedulePass(), LowerPass()]


# Chip targets register their `fit` and `quantise` passes when this module loads.
import dtmc.chip.passes  # noqa: E402,F401
