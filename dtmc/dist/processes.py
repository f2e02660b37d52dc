"""Multi-host start-up through `jax.distributed`, configured from the command line or environment."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import jax

from dtmc.errors import DtmcError

__all__ = ["DistributedConfig", "initialize_processes", "is_writer"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistributedConfig:
    """Where the coordinator runs and which process this is.

    Each field falls back to an environment variable: `DTMC_COORDINATOR` (host:port),
    `DTMC_NUM_PROCESSES` and `DTMC_PROCESS_ID`.
    """

    coordinator: str | None = None
    num_processes: int | None = None
    process_id: int | None = None

    @classmethod
    def from_environment(cls, coordinator=None, num_processes=None, process_id=None) -> "DistributedConfig":
        """Fill unset fields from the `DTMC_*` environment variables."""
        def env_int(name: str) -> int | None:
            value = os.environ.get(name)
            if value is None:
                return None
            try:
                return int(value)
            except ValueError:
                raise DtmcError(f"invalid {name}={value!r}: expected an integer") from None

        return cls(
            coordinator=coordinator or os.environ.get("DTMC_COORDINATOR"),
            num_processes=num_processes if num_processes is not None else env_int("DTMC_NUM_PROCESSES"),
            process_id=process_id if process_id is not None else env_int("DTMC_PROCESS_ID"),
        )

    @property
    def enabled(self) -> bool:
        """Whether a multi-process run was requested."""
        return self.coordinator is not None


def initialize_processes(config: DistributedConfig) -> None:
    """Join a multi-host JAX job if `config` asks for one; do nothing for a single process.

    Raises:
        DtmcError: if the coordinator is set without a process count and id, or the ids are invalid.
    """
    if not config.enabled:
        return
    if config.num_processes is None or config.process_id is None:
        raise DtmcError(
            f"multi-host run with coordinator {config.coordinator!r} needs a process count and id: "
            "pass --num-processes and --process-id (or set DTMC_NUM_PROCESSES and DTMC_PROCESS_ID)"
        )
    if not 0 <= config.process_id < config.num_processes:
        raise DtmcError(
            f"invalid process id {config.process_id}: expected 0 to {config.num_processes - 1}"
        )

    jax.distributed.initialize(
        coordinator_address=config.coordinator,
        num_processes=config.num_processes,
        process_id=config.process_id,
    )
    logger.info("joined process group %d/%d at %s", config.process_id, config.num_processes, config.coordinator)


def is_writer() -> bool:
    """Return True in the one process that writes run folders and checkpoints (process 0)."""
    return jax.process_index() == 0
