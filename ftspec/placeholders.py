"""Placeholder values (`TODO: ...`) left in a spec file: each is reported where it sits, with what to write.

The blank template marks every value the user must fill in as ``TODO: what to write``; until it is
replaced the artifact counts as invalid, so its schema gate lists every open placeholder and the gates that
need it wait.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftspec.errors import SpecError
from ftspec.loader import YamlDoc

MARKER = re.compile(r"^\s*(TODO|TBD|FIXME)\b[:\s-]*", re.ASCII)
# A whole value that only stands in for one: a template slot such as `[model]`, `<name>`, `TODO` or `???`.
STAND_IN = re.compile(r"^\s*(\[[^\]]*\]|TODO|TBD|FIXME|\?+|<[^>]*>)\s*$", re.IGNORECASE)


def is_placeholder(value: Any) -> bool:
    """A `TODO: what to write` marker (the blank template's)."""
    return isinstance(value, str) and MARKER.match(value) is not None


def is_stand_in(value: str) -> bool:
    """A template slot left unfilled: `[value]`, `TODO`, `<model>`."""
    return bool(STAND_IN.match(value))


def placeholder_errors(doc: YamlDoc) -> list[SpecError]:
    """A SpecError for every scalar (or list item) that is still a placeholder."""
    return [_error(doc, path, value) for path, value in _walk(doc.data, ())]


def _walk(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for idx, value in enumerate(node):
            yield from _walk(value, (*path, idx))
    elif is_placeholder(node):
        yield path, node


def todo_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line, what to write) for every Markdown line that is still a placeholder."""
    return [(idx, _fix(line)) for idx, line in enumerate(text.splitlines(), start=1) if MARKER.match(line)]


def _fix(value: str) -> str:
    hint = MARKER.sub("", value, count=1).strip().rstrip(".")
    return f"replace it with {hint}" if hint else "replace it with the real value"


def _error(doc: YamlDoc, path: tuple[str | int, ...], value: str) -> SpecError:
    return SpecError(doc.locate(path), "not filled in yet", _fix(value))
