"""Command-line options for devices and hosts, and the start-up steps they drive."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import jax

from dtmc.dist.layout import Layout, plan_layout
from dtmc.dist.processes import DistributedConfig, initialize_processes, is_writer
from dtmc.errors import DtmcError

__all__ = ["add_device_arguments", "start_processes", "plan_run_layout", "writer_path"]

logger = logging.getLogger(__name__)


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--devices`, `--coordinator`, `--num-processes` and `--process-id` to a subcommand."""
    group = parser.add_argument_group(
        "devices and hosts",
        "Chains are split over devices, and diffusion steps too when the device count is a multiple of "
        "the step count. A multi-host job starts one process per host with the same command; "
        "DTMC_COORDINATOR, DTMC_NUM_PROCESSES and DTMC_PROCESS_ID set the last three options.",
    )
    group.add_argument("--devices", type=int, metavar="N",
                       help="devices to use (default: as many as split train.batch evenly; all devices in a multi-host job)")
    group.add_argument("--coordinator", metavar="HOST:PORT",
                       help="address of process 0 of a multi-host job; every process passes the same value")
    group.add_argument("--num-processes", type=int, metavar="N", help="processes in the multi-host job")
    group.add_argument("--process-id", type=int, metavar="I", help="this process's rank, 0 to N-1; 0 writes the run folder")


def _check_coordinator(address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DtmcError(f"invalid coordinator address {address!r}: expected HOST:PORT, e.g. 10.0.0.1:1234")


def start_processes(args: argparse.Namespace) -> DistributedConfig:
    """Join the multi-host job the options or `DTMC_*` variables describe; do nothing otherwise.

    Call it before anything else touches JAX devices, because `jax.distributed.initialize` must run
    before JAX picks its backend.

    Args:
        args: parsed options from a parser set up by `add_device_arguments`.

    Returns:
        The configuration in effect.

    Raises:
        DtmcError: if the options are incomplete or out of range.
    """
    config = DistributedConfig.from_environment(
        getattr(args, "coordinator", None), getattr(args, "num_processes", None), getattr(args, "process_id", None)
    )
    if not config.enabled:
        if config.num_processes not in (None, 1) or config.process_id not in (None, 0):
            raise DtmcError(
                f"--num-processes {config.num_processes} / --process-id {config.process_id} need a coordinator: "
                "pass --coordinator HOST:PORT (or set DTMC_COORDINATOR)"
            )
        return config
    _check_coordinator(config.coordinator)
    if config.num_processes is not None and config.num_processes < 1:
        raise DtmcError(f"invalid --num-processes {config.num_processes}: expected 1 or more")
    initialize_processes(config)
    return config


def plan_run_layout(args: argparse.Namespace, n_steps: int, batch: int) -> Layout:
    """Plan the layout of a training run from `--devices` and log it.

    Args:
        args: parsed options from a parser set up by `add_device_arguments`.
        n_steps: diffusion steps of the model.
        batch: chains per step (`train.batch`).

    Returns:
        The layout.

    Raises:
        DtmcError: if `--devices` is out of range or does not split the batch evenly.
    """
    devices = getattr(args, "devices", None)
    if devices is None and jax.process_count() == 1:
        devices = _largest_even_split(batch, jax.device_count())
    layout = plan_layout(n_steps, batch, devices)
    logger.info("%s", layout.describe())
    return layout


def _largest_even_split(batch: int, available: int) -> int:
    """Return the most devices, at most `available`, over which `batch` chains split evenly."""
    devices = max(d for d in range(1, available + 1) if batch % d == 0)
    if devices < available:
        logger.warning("using %d of %d devices: a batch of %d chains does not split evenly over more; "
                       "set train.batch to a multiple of %d to use them all", devices, available, batch, available)
    return devices


def writer_path(path: Path) -> Path:
    """Return `path` in process 0, and a fresh temporary folder in every other process.

    Every process of a multi-host job runs the same training, but only process 0 may write the run
    folder, so the others write their copies of logs and checkpoints to a scratch folder.
    """
    if is_writer():
        return path
    scratch = Path(tempfile.mkdtemp(prefix=f"dtmc-process{jax.process_index()}-"))
    logger.info("process %d writes its copy of the run to %s", jax.process_index(), scratch)
    return scratch / path.name
