"""Target files: shipped targets load, and every schema rule gives a positioned diagnostic."""

from __future__ import annotations

import pytest

from dtmc.chip.target import ChipTarget, FixedPoint, JaxTarget, list_targets, load_target
from dtmc.errors import TargetError
from dtmc.resources import targets_dir
from tests.chip._helpers import write_target

GOOD = (targets_dir() / "chip70_g12.yaml").read_text()


def test_shipped_targets_listed():
    names = list_targets()
    assert {"chip30_g12", "chip70_g12", "chip96_g16", "jax"} <= set(names)


@pytest.mark.parametrize("name", ["chip30_g12", "chip70_g12", "chip96_g16"])
def test_shipped_chip_loads(name):
    target = load_target(name)
    assert isinstance(target, ChipTarget)
    assert target.backend == "emulator"


def test_chip70_matches_published_design():
    target = load_target("chip70_g12")
    assert target.side == 70
    assert target.torus
    assert target.rules == ((0, 1), (4, 1), (10, 9))
    assert target.degree == 12
    assert target.energy.cell_update + target.bits_per_update * target.energy.random_bit == pytest.approx(1.3e-15)


def test_chip96_has_degree_16():
    target = load_target("chip96_g16")
    assert target.side == 96
    assert target.degree == 16
    assert target.dead_cells == ((0, 50), (95, 95))


def test_jax_target_loads():
    assert isinstance(load_target("jax"), JaxTarget)


def test_target_loads_from_path(tmp_path):
    path = write_target(tmp_path, GOOD.replace("name: chip70_g12", "name: mine"))
    target = load_target(path)
    assert target.name == "mine"
    assert target.path == str(path)


def test_fixed_point_format():
    weights = load_target("chip70_g12").weights
    assert weights.lsb == pytest.approx(4.0 / 128)
    assert (weights.min_code, weights.max_code) == (-128, 127)


def test_unknown_target_name_lists_choices():
    with pytest.raises(TargetError, match="unknown target 'chip71'; choose one of: .*chip70_g12"):
        load_target("chip71")


def test_missing_target_file(tmp_path):
    with pytest.raises(TargetError, match="not found"):
        load_target(tmp_path / "none.yaml")


def _error_text(tmp_path, text: str) -> str:
    with pytest.raises(TargetError) as caught:
        load_target(write_target(tmp_path, text))
    return str(caught.value)


def test_unknown_key_suggests_spelling(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("  bits: 8 ", "  bitz: 8 ", 1))
    assert "target.yaml:11:3: error: unknown key 'weights.bitz'" in message
    assert "did you mean 'bits'?" in message
    assert "^~~~" in message


def test_bits_out_of_range_names_value(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("  bits: 8 ", "  bits: 40 ", 1))
    assert ":11:9: error: weights.bits = 40 is out of range" in message
    assert "an integer in 2..16" in message


def test_odd_torus_side_rejected(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("side: 70", "side: 71"))
    assert "torus side 71 is odd" in message
    assert "use side 72 or 'torus: false'" in message


def test_dead_cell_outside_grid(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("dead_cells: []", "dead_cells: [[3, 4], [70, 2]]"))
    assert "dead cell 1 at (70, 2) is outside the 70x70 grid" in message
    assert ":9:" in message


def test_repeated_dead_cell(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("dead_cells: []", "dead_cells: [[3, 4], [3, 4]]"))
    assert "dead cell (3, 4) is listed twice" in message


def test_unknown_pattern_suggests(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("pattern: G12", "pattern: G13"))
    assert "invalid grid.pattern 'G13'; did you mean" in message
    assert "hint: one of G8, G12, G16, G20" in message


def test_explicit_rules_with_even_sum(tmp_path):
    text = GOOD.replace("pattern: G12          # or list the rules: [[0, 1], [4, 1], [10, 9]]", "rules: [[0, 1], [2, 2]]")
    message = _error_text(tmp_path, text)
    assert "rule (2, 2) has an even sum" in message


def test_explicit_rules_load(tmp_path):
    text = GOOD.replace("pattern: G12          # or list the rules: [[0, 1], [4, 1], [10, 9]]", "rules: [[0, 1], [3, 2]]")
    target = load_target(write_target(tmp_path, text))
    assert target.rules == ((0, 1), (3, 2))
    assert target.pattern is None


def test_pattern_and_rules_together_rejected(tmp_path):
    text = GOOD.replace("  dead_cells: []", "  rules: [[0, 1]]\n  dead_cells: []")
    message = _error_text(tmp_path, text)
    assert "exactly one of 'pattern' and 'rules'" in message


def test_missing_key_points_at_section(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("  hz: 1.0e+9\n", ""))
    assert "missing key 'clock.hz' in section 'clock'" in message


def test_lsb_ratio_not_power_of_two(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("  range: 4.0            # range /", "  range: 3.0            # range /"))
    assert "bias LSB 0.0234375 and weight LSB 0.03125 differ by a factor 1.33333, not a power of two" in message


def test_coupling_format_loads(tmp_path):
    text = GOOD.replace("random:\n", "couplings:\n  bits: 6\n  range: 1.0\nrandom:\n")
    target = load_target(write_target(tmp_path, text))
    assert target.couplings == FixedPoint(6, 1.0)
    assert target.coupling_format == FixedPoint(6, 1.0)


def test_percentile_scale_loads(tmp_path):
    text = GOOD.replace("  scale: max ", "  scale: percentile\n  percentile: 99.5 ")
    target = load_target(write_target(tmp_path, text))
    assert target.scale == "percentile"
    assert target.scale_percentile == 99.5


def test_coupling_format_defaults_to_weights():
    target = load_target("chip70_g12")
    assert target.couplings is None
    assert target.coupling_format == target.weights


def test_coupling_format_needs_both_keys(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("random:\n", "couplings:\n  bits: 6\nrandom:\n"))
    assert "section 'couplings' needs both 'bits' and 'range'" in message


def test_coupling_lsb_ratio_checked(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("random:\n", "couplings:\n  bits: 6\n  range: 3.0\nrandom:\n"))
    assert "coupling LSB 0.09375 and weight LSB 0.03125 differ by a factor 3, not a power of two" in message


def test_wrong_type_rejected(tmp_path):
    message = _error_text(tmp_path, GOOD.replace("torus: true", "torus: maybe"))
    assert "'grid.torus' must be true or false, got 'maybe'" in message


def test_float_without_dot_accepted(tmp_path):
    target = load_target(write_target(tmp_path, GOOD.replace("random_bit: 0.35e-15", "random_bit: 35e-17")))
    assert target.energy.random_bit == pytest.approx(3.5e-16)


def test_invalid_yaml_positioned(tmp_path):
    message = _error_text(tmp_path, "name: x\nbackend: [emulator\n")
    assert "target.yaml:3:1: error: invalid YAML" in message


def test_binary_file_rejected(tmp_path):
    path = tmp_path / "target.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(TargetError, match="cannot read target file .* pass a readable UTF-8 YAML file"):
        load_target(path)


def test_empty_file_rejected(tmp_path):
    message = _error_text(tmp_path, "")
    assert "a target file must be a mapping of keys such as 'name' and 'backend'" in message


def test_jax_target_rejects_chip_sections(tmp_path):
    message = _error_text(tmp_path, "name: j\nbackend: jax\ngrid:\n  side: 4\n")
    assert "key 'grid' does not apply to a jax target" in message


def test_several_errors_reported_together(tmp_path):
    text = GOOD.replace("  bits: 8 ", "  bits: 1 ", 1).replace("hz: 1.0e+9", "hz: -5.0")
    message = _error_text(tmp_path, text)
    assert "weights.bits = 1 is out of range" in message
    assert "clock.hz = -5.0 is out of range" in message
