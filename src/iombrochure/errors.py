"""Errors raised by library code; the CLI turns them into one clear line and an exit code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class IombrochureError(Exception):
    """A problem the user can fix. Carries the file (and line) it is about, when known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        #: A stable id of the check that found the problem (see docs/checks.md), when known.
        self.rule = rule

    @classmethod
    def headlining(cls, problems: list[Any]) -> dict[str, Any]:
        """The arguments of an error that stands for several problems (errors or findings): the
        first one's place, hint and rule, its message saying how many more there are."""
        first = problems[0]
        return {
            "message": headline(first.message, len(problems)),
            "path": first.path,
            "line": first.line,
            "hint": first.hint,
            "rule": first.rule,
        }

    def location(self, relative_to: Path | None = None) -> str:
        if self.path is None:
            return ""
        path = relative_to_project(self.path, relative_to) if relative_to else str(self.path)
        return f"{path}:{self.line}" if self.line else str(path)

    def format(self, relative_to: Path | None = None) -> str:
        """One line: ``file:line: message (hint)``."""
        where = self.location(relative_to)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:
        return self.format()


class ConfigError(IombrochureError):
    """The project config (iombrochure.toml) is missing or invalid."""


class ContentError(IombrochureError):
    """A content file cannot be read or does not match its schema."""


class TemplateError(IombrochureError):
    """A template cannot be compiled or rendered."""


class RenderError(IombrochureError):
    """WeasyPrint could not render a document, or the result breaks a rule (page budget, fonts)."""


class FetchRefused(IombrochureError):
    """The renderer asked for a resource outside the project."""


class ReadRefused(IombrochureError):
    """A file the tool was asked to read lies (or leads, by a symlink) outside the project."""


class OutputError(IombrochureError):
    """The output folder cannot be used, or writing the outputs failed."""


def relative_to_project(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as written (a link is named as the link), else resolved,
    else as it is: never an error, also for a link that loops."""
    try:
        return Path(os.path.normpath(path.absolute())).relative_to(root.absolute()).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):
        return str(path)


def headline(first_message: str, count: int) -> str:
    """The first of ``count`` problems, saying how many more there are: one line for the CLI."""
    more = count - 1
    return first_message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
