"""Error hierarchy and compiler-style diagnostics shared by every stage of dtmc."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Span",
    "Diagnostic",
    "DtmcError",
    "DtmcSyntaxError",
    "CheckError",
    "PassError",
    "TargetError",
    "ProgramError",
    "CheckpointError",
    "DataError",
    "render_diagnostics",
]


@dataclass(frozen=True)
class Span:
    """A 1-based line/column range in a source file; `end_column` is exclusive."""

    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning about a user input, pointing at the span it concerns."""

    message: str
    span: Span | None = None
    severity: Literal["error", "warning", "note"] = "error"
    hint: str | None = None
    path: str = "<input>"

    def render(self, source: str | None = None) -> str:
        """Format as `path:line:col: severity: message`, the source line, a caret and the hint."""
        if self.span is None:
            head = f"{self.path}: {self.severity}: {self.message}"
        else:
            head = f"{self.path}:{self.span.line}:{self.span.column}: {self.severity}: {self.message}"
        lines = [head]

        if self.span is not None and source is not None:
            source_lines = source.splitlines()
            if 1 <= self.span.line <= len(source_lines):
                text = source_lines[self.span.line - 1]
                width = 1
                if self.span.end_line == self.span.line and self.span.end_column:
                    width = max(1, self.span.end_column - self.span.column)
                text, caret_column, width = _excerpt(text, self.span.column, width)
                lines.append(f"  {text}")
                lines.append("  " + " " * (caret_column - 1) + "^" + "~" * (width - 1))

        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


# Source lines longer than this are cut to a window around the span, marked with "...".
_MAX_SHOWN_LINE = 160


def _excerpt(text: str, column: int, width: int) -> tuple[str, int, int]:
    """Cut a long source line to a window around `column`; return it, the new column and width."""
    if len(text) <= _MAX_SHOWN_LINE:
        return text, column, width
    start = max(0, column - 1 - _MAX_SHOWN_LINE // 3)
    end = start + _MAX_SHOWN_LINE
    excerpt = text[start:end]
    shift = start
    if start > 0:
        excerpt = "..." + excerpt
        shift -= 3
    if end < len(text):
        excerpt += "..."
    width = min(width, len(excerpt) - (column - shift) + 1)
    return excerpt, column - shift, max(1, width)


def render_diagnostics(diagnostics: list[Diagnostic], source: str | None = None) -> str:
    """Render several diagnostics, one after another, in source order."""
    ordered = sorted(
        diagnostics,
        key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0),
    )
    return "\n".join(d.render(source) for d in ordered)


class DtmcError(Exception):
    """Root of every error dtmc raises for a user mistake or a bad input file.

    The command line prints `str(error)` and exits with status 2, never a traceback.
    """

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None, source: str | None = None):
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = list(diagnostics or [])
        self.source = source

    def __str__(self) -> str:
        if self.diagnostics:
            return render_diagnostics(self.diagnostics, self.source)
        return super().__str__()


class DtmcSyntaxError(DtmcError):
    """A model file that the grammar does not accept."""


class CheckError(DtmcError):
    """A model file that parses but breaks a semantic rule (range, repeated key, fit)."""


class PassError(DtmcError):
    """A compiler pass whose input or post-condition is not met."""


class TargetError(DtmcError):
    """A target description that is invalid, or a program that does not fit a target."""


class ProgramError(DtmcError):
    """A compiled program artifact that is missing, truncated, corrupted or of another format version."""


class CheckpointError(DtmcError):
    """A checkpoint that is missing, corrupted, or does not match the program it is loaded into."""


class DataError(DtmcError):
    """A dataset that is missing, fails verification, or does not match the model's request."""
