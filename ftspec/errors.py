"""One error hierarchy, caught once at the CLI edge.

Every error a user can cause is an :class:`FtspecError`; its ``str`` is the single line the CLI prints.
Exit codes follow pytest's ``ExitCode`` so CI scripts treat ``ftspec`` and ``pytest`` alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """pytest's exit codes, reused by every ftspec command."""

    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS_COLLECTED = 5


class FtspecError(Exception):
    """An error the user can fix; printed as one line, never a traceback."""

    exit_code: ExitCode = ExitCode.USAGE_ERROR


class UsageError(FtspecError):
    """A command was called with arguments that cannot work."""


class GitError(FtspecError):
    """git refused or failed; the message says what to do."""


class ProjectNotFound(FtspecError):
    """No ftspec.yaml at or above the given path."""


class StageError(FtspecError):
    """A pipeline stage refused to start or failed in a way the user can fix."""

    exit_code = ExitCode.TESTS_FAILED


@dataclass(frozen=True)
class Location:
    """A place in a spec file: project-relative path, 1-based line and column, dotted key path."""

    path: str
    line: int = 0
    col: int = 0
    keypath: str = ""

    def prefix(self) -> str:
        """`path:line:col: key.path` with the parts that are known."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return f"{where}: {self.keypath}" if self.keypath else where


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks become `; `, other control characters are escaped."""
    joined = "; ".join(part.strip() for part in text.splitlines() if part.strip())
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in joined)


def placed(location: Location, default_path: str = "ftspec.yaml") -> Location:
    """A location that names a file, a line and a column (column 1 where a whole line is meant), on one line."""
    path = one_line(location.path) or default_path
    return Location(path, max(location.line, 1), max(location.col, 1), one_line(location.keypath))


class SpecError(FtspecError):
    """A spec file is unreadable or invalid at a known place."""

    def __init__(self, location: Location, message: str, fix: str = "") -> None:
        self.location = location
        self.message = message
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.location.prefix()}: {self.message.rstrip('.')}."
        return f"{text} {self.fix}" if self.fix else text


class SpecErrors(FtspecError):
    """Several spec errors, reported together sorted by file and line."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.location.path, e.location.line, e.location.col))
        super().__init__("\n".join(e.render() for e in self.errors))
