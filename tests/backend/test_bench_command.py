"""`dtmc bench sampler` end to end on a small configuration."""

from __future__ import annotations

from dtmc.cli import main


def test_bench_sampler_prints_rates(capsys):
    status = main(["bench", "sampler", "--side", "44", "--chains", "8", "--sweeps", "2", "--repeat", "1", "--no-thrml"])
    output = capsys.readouterr().out
    assert status == 0
    assert "G12 44x44 torus" in output
    assert "dtmc grid/hash: best" in output
    assert "updates/s" in output


def test_bench_sampler_rejects_zero_chains(capsys):
    status = main(["bench", "sampler", "--chains", "0"])
    assert status == 2
    assert "--chains=0 is invalid" in capsys.readouterr().err
