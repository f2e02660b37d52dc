"""The wheel ships the grammar, targets and examples, and the front end works from the wheel alone."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lark import Lark

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel once for this module, the way a release would."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    # Without hatchling installed, build makes an isolated environment and fetches it from PyPI.
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")
    result = subprocess.run(command + [str(REPO)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheels = list(out.glob("dtmc-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_shipped_files(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "dtmc/_shipped/grammar/dtm.lark" in names
    assert "dtmc/_shipped/targets/jax.yaml" in names
    shipped_targets = {name for name in names if name.startswith("dtmc/_shipped/targets/")}
    checkout_targets = {f"dtmc/_shipped/targets/{path.name}" for path in (REPO / "targets").glob("*.yaml")}
    assert shipped_targets == checkout_targets
    shipped_examples = {name for name in names if name.startswith("dtmc/_shipped/examples/")}
    assert "dtmc/_shipped/examples/quick_mnist.dtm" in shipped_examples


def test_wheel_grammar_parses_wheel_examples(wheel: Path):
    archive = zipfile.ZipFile(wheel)
    grammar = Lark(archive.read("dtmc/_shipped/grammar/dtm.lark").decode("utf-8"), parser="lalr",
                   start=["model", "override"], propagate_positions=True)
    examples = [name for name in archive.namelist() if name.startswith("dtmc/_shipped/examples/")]
    for name in examples:
        tree = grammar.parse(archive.read(name).decode("utf-8"), start="model")
        assert tree.data == "model"


def test_wheel_checks_examples_without_checkout(wheel: Path, tmp_path: Path):
    """Import dtmc from the unpacked wheel, away from the checkout, and check a shipped example."""
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = (
        "import dtmc, dtmc.resources as r\n"
        "from dtmc.lang import load_model\n"
        "print(dtmc.__file__)\n"
        "print(r.grammar_path())\n"
        "print(load_model(r.examples_dir() / 'quick_mnist.dtm').name)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    module_file, grammar_file, name = result.stdout.split()
    assert module_file.startswith(str(unpacked))
    assert grammar_file == str(unpacked / "dtmc" / "_shipped" / "grammar" / "dtm.lark")
    assert name == "quick_mnist"
