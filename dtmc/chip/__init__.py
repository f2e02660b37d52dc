"""Probabilistic-chip target: target files, fit and placement, quantisation, emulator, schedule."""

from dtmc.chip.build import ChipBuild, build_for_chip, load_chip_target, report_lines, report_section
from dtmc.chip.emulator import ChipEmulator
from dtmc.chip.energy import CostCounter, estimate_cost
from dtmc.chip.fit import Placement, place
from dtmc.chip.quantise import ChipParams, QuantStats, quantise
from dtmc.chip.sampling import ChipGenerator, generate_on_chip
from dtmc.chip.schedule import chip_program, format_chip_program
from dtmc.chip.target import ChipTarget, JaxTarget, list_targets, load_target

__all__ = [
    "ChipBuild",
    "ChipEmulator",
    "ChipGenerator",
    "ChipParams",
    "ChipTarget",
    "CostCounter",
    "JaxTarget",
    "Placement",
    "QuantStats",
    "build_for_chip",
    "chip_program",
    "estimate_cost",
    "format_chip_program",
    "generate_on_chip",
    "list_targets",
    "load_chip_target",
    "load_target",
    "place",
    "quantise",
    "report_lines",
    "report_section",
]
