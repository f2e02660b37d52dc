"""The base class every compiler pass derives from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dtmc.errors import PassError
from dtmc.ir.model import ModelIR

__all__ = ["CompilerPass"]


@dataclass(frozen=True)
class CompilerPass:
    """A named step of the compiler that reads and writes a `ModelIR`.

    Subclasses are frozen dataclasses whose fields are the pass options. They set `name` (kebab
    case, the key in the pass registry) and `requires` (passes that must have run before), put
    their work in a plain module-level function, and check their post-condition in `verify`.
    """

    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()

    def run(self, ir: ModelIR) -> None:
        """Apply the pass to `ir` in place."""
        raise NotImplementedError(f"pass {type(self).__name__} does not implement run()")

    def verify(self, ir: ModelIR) -> None:
        """Check the pass's post-condition on `ir`; raise `PassError` when it does not hold."""

    def check_requirements(self, ir: ModelIR) -> None:
        """Raise `PassError` when a pass this one depends on has not run on `ir` yet.

        Raises:
            PassError: naming the missing pass and the order to run them in.
        """
        for needed in self.requires:
            if needed not in ir.passes_run:
                raise PassError(
                    f"pass '{self.name}' needs pass '{needed}' to run first; passes run so far: "
                    f"{', '.join(ir.passes_run) or 'none'}; add '{needed}' before '{self.name}'"
                )
