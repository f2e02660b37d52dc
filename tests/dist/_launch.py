"""Start worker processes with a forced number of CPU devices, and free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Generous, because these machines are shared: a worker normally takes 10-60 s.
TIMEOUT_S = 600


def device_environment(devices: int) -> dict[str, str]:
    """Return this process's environment with JAX forced to `devices` CPU devices."""
    environment = dict(os.environ)
    environment["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    environment["JAX_PLATFORMS"] = "cpu"
    for name in ("DTMC_COORDINATOR", "DTMC_NUM_PROCESSES", "DTMC_PROCESS_ID"):
        environment.pop(name, None)
    return environment


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(arguments: list[str], devices: int) -> subprocess.Popen:
    """Start `python ARGUMENTS` in the repository root with `devices` forced CPU devices."""
    return subprocess.Popen(
        [sys.executable, *arguments], cwd=REPO, env=device_environment(devices),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def finish(process: subprocess.Popen) -> str:
    """Wait for a started process and return its output; raise if it failed or timed out."""
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"worker timed out after {TIMEOUT_S} s:\n{output[-4000:]}") from None
    if process.returncode != 0:
        raise AssertionError(f"worker exited with {process.returncode}:\n{output[-4000:]}")
    return output


def run_worker(out: Path, devices: int, *extra: str) -> str:
    """Run `tests.dist._worker` to completion with `devices` forced CPU devices."""
    return finish(start(["-m", "tests.dist._worker", str(out), *extra], devices))
