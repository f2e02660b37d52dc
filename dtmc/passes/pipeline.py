"""The pass pipeline: runs passes in order and calls a hook after each one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dtmc.ir.model import ModelIR
from dtmc.passes.base import CompilerPass

__all__ = ["PassRecord", "PassPipeline", "ALL_PASSES", "pass_names"]

logger = logging.getLogger(__name__)

# Value of `print_after` that selects every pass.
ALL_PASSES = "all"


@dataclass(frozen=True)
class PassRecord:
    """Timing of one pass: wall-clock seconds of its `run` and of its `verify`."""

    name: str
    run_seconds: float
    verify_seconds: float


@dataclass(frozen=True)
class PassPipeline:
    """An ordered list of passes with an optional hook called after each pass.

    Attributes:
        passes: the passes to run, in order.
        callback: called as `callback(pass_, ir, record)` after each pass (and its verify); used for
            `--print-after`, timings and extra checks.
        verify: whether to call each pass's `verify` after its `run`.
    """

    passes: tuple[CompilerPass, ...]
    callback: Callable[[CompilerPass, ModelIR, PassRecord], None] | None = None
    verify: bool = True

    def apply(self, ir: ModelIR) -> list[PassRecord]:
        """Run every pass on `ir` in place.

        Returns:
            One `PassRecord` per pass, in order.

        Raises:
            PassError: when a pass's requirement is missing or its post-condition fails.
        """
        records = []
        for compiler_pass in self.passes:
            compiler_pass.check_requirements(ir)

            start = time.perf_counter()
            compiler_pass.run(ir)
            run_seconds = time.perf_counter() - start

            start = time.perf_counter()
            if self.verify:
                compiler_pass.verify(ir)
            verify_seconds = time.perf_counter() - start

            ir.passes_run.append(compiler_pass.name)
            record = PassRecord(compiler_pass.name, run_seconds, verify_seconds)
            records.append(record)
            logger.info("pass %s: run %.3f s, verify %.3f s", record.name, run_seconds, verify_seconds)
            if self.callback is not None:
                self.callback(compiler_pass, ir, record)
        return records


def pass_names(passes: Sequence[CompilerPass]) -> list[str]:
    """Return the names of `passes`, in order."""
    return [p.name for p in passes]
