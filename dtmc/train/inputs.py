"""Reading what `dtmc run`, `sample` and `report` accept: a model file or a compiled program."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

from dtmc.errors import CheckError, DtmcError

__all__ = ["load_program_input", "PROGRAM_ONLY_SECTIONS"]

# Settings a compiled program fixes; changing them needs a recompile from the model file.
PROGRAM_ONLY_SECTIONS = ("data", "labels", "graph", "diffusion")


def load_program_input(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """Compile a `.dtm` file, or load a `.dtmp` program, applying `--set` overrides.

    A program accepts overrides of `train.*`, `generate.*` and `seed` only, since the rest is
    compiled into its graph.

    Raises:
        DtmcError: if the file is missing or invalid, or an override needs a recompile.
    """
    from dtmc.program.artifact import PROGRAM_SUFFIX, load_program

    path = Path(path)
    if path.suffix != PROGRAM_SUFFIX:
        from dtmc.compiler import compile_model
        from dtmc.lang import load_model

        return compile_model(load_model(path, overrides))

    program = load_program(path)
    if not overrides:
        return program

    from dtmc.lang import check_model

    spec, diagnostics = check_model(program.spec.source_text, program.spec.source_path, overrides)
    if spec is None:
        raise CheckError("invalid --set override", diagnostics=diagnostics, source=program.spec.source_text)
    changed = [name for name in PROGRAM_ONLY_SECTIONS if getattr(spec, name) != getattr(program.spec, name)]
    if changed:
        raise DtmcError(
            f"--set changes {', '.join(changed)} settings, which are compiled into {path}; "
            "run the .dtm model file with these overrides instead"
        )

    # `spec` was rebuilt from the source text alone, so it lacks the overrides the program was built
    # with. Keep those and replace only the fields named now.
    merged = program.spec
    for text in overrides:
        section, _, name = text.partition("=")[0].strip().partition(".")
        if not name:
            merged = dataclasses.replace(merged, **{section: getattr(spec, section)})
            continue
        field = name.partition(".")[0]
        part = dataclasses.replace(getattr(merged, section), **{field: getattr(getattr(spec, section), field)})
        merged = dataclasses.replace(merged, **{section: part})
    return dataclasses.replace(program, spec=merged)
