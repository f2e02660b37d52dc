"""Tests of the pass registry, the pipeline hook and target passes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dtmc.compiler import compile_model
from dtmc.errors import PassError
from dtmc.ir.model import ModelIR
from dtmc.passes import PASS_REGISTRY, CompilerPass, PassPipeline, pass_from_name, register_target_passes
from dtmc.passes import registry as registry_module
from dtmc.passes.placement import PlacementPass

GOLDEN = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class CountEdgesPass(CompilerPass):
    """Record the number of base edges in `ir.facts` (a stand-in for a target pass)."""

    name = "count-edges"
    requires = ("lower",)

    label: str = "edges"

    def run(self, ir: ModelIR) -> None:
        ir.facts[self.label] = int(ir.arrays.edges.shape[0])


def test_registry_holds_default_passes():
    assert {"topology", "placement", "coupling", "colouring", "schedule", "lower"} <= set(PASS_REGISTRY)


def test_pass_from_name_sets_options():
    placement = pass_from_name("placement", strategy="raster", seed=4)

    assert placement == PlacementPass(strategy="raster", seed=4)


def test_pass_from_name_unknown_rejected():
    with pytest.raises(PassError, match="unknown pass 'toplogy'; registered passes: .*topology"):
        pass_from_name("toplogy")


def test_pipeline_missing_requirement_rejected(make_spec):
    pipeline = PassPipeline((PlacementPass(),))

    with pytest.raises(PassError, match="pass 'placement' needs pass 'topology' to run first; passes run so far: none"):
        pipeline.apply(ModelIR(make_spec()))


def test_pipeline_callback_after_each_pass(make_spec):
    seen = []

    def hook(compiler_pass, ir, record):
        seen.append((compiler_pass.name, record.name, list(ir.passes_run)[-1]))

    PassPipeline((pass_from_name("topology"),), callback=hook).apply(ModelIR(make_spec()))

    assert seen == [("topology", "topology", "topology")]


def test_extra_pass_runs_and_lands_in_manifest(make_spec):
    program = compile_model(make_spec(), extra_passes=(CountEdgesPass(label="base"),))

    assert program.manifest["passes"][-1] == "count-edges"
    assert program.manifest["facts"] == {"base": program.n_edges}


def test_target_pass_factory(make_spec, monkeypatch):
    monkeypatch.setattr(registry_module, "_TARGET_PASS_FACTORIES", [])
    monkeypatch.setattr(registry_module, "TARGET_PASS_MODULES", [])
    register_target_passes(lambda spec, target: [CountEdgesPass()] if target == "fake_chip" else [])

    chip = compile_model(make_spec(), target="fake_chip")
    plain = compile_model(make_spec())

    assert chip.manifest["target"] == "fake_chip"
    assert chip.manifest["facts"] == {"edges": chip.n_edges}
    assert plain.manifest["target"] == "jax"
    assert "count-edges" not in plain.manifest["passes"]


def test_print_after_unknown_pass_rejected(make_spec):
    with pytest.raises(PassError, match="cannot print after unknown pass 'colour'; choose 'all' or one of"):
        compile_model(make_spec(), print_after=["colour"])


def test_print_after_golden(make_spec):
    """IR summaries of a 6x6 G8 torus with 4 image and 2 label spins, after each pass."""
    spec = make_spec(side=6, downsample=2, classes=(0, 1), repeat=1, steps=2, schedule="log")
    lines = []

    compile_model(spec, print_after=["all"], report=lines.append)

    assert "\n".join(lines) + "\n" == (GOLDEN / "print_after_tiny.txt").read_text()


def test_timings_report_every_pass(make_spec):
    lines = []

    compile_model(make_spec(), timings=True, report=lines.append)

    assert [line.split()[1] for line in lines[:-1]] == ["topology", "placement", "coupling", "colouring", "schedule", "lower"]
    assert lines[-1].startswith("total")
