"""The facts a Markdown spec states: `**Label:** value` lines and two-column `| Label | value |` table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

BOLD = re.compile(r"^\s*(?:[-*+]\s+)?\*\*(?P<label>[^*]+?)\*\*\s*:?\s*(?P<value>.*)$")
SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?%?")


@dataclass(frozen=True)
class Stated:
    """One labelled value in a Markdown document, with its 1-based line."""

    line: int
    label: str
    value: str


def normalise_label(label: str) -> str:
    """`**Learning Rate:**` -> `learning rate`."""
    text = re.sub(r"[*`_:]", " ", label).lower()
    return " ".join(text.replace("-", " ").split())


def stated_fields(text: str, first_line: int = 1) -> list[Stated]:
    """Every bold-label line and table row outside code fences, in document order (header rows dropped)."""
    out: list[Stated] = []
    fenced = False
    for offset, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        lineno = first_line + offset
        if SEPARATOR.match(line) and "|" in line:
            if out and out[-1].line == lineno - 1:
                out.pop()  # the row above a |---| line is the table header
            continue
        stated = _row(line, lineno) or _bold(line, lineno)
        if stated is not None:
            out.append(stated)
    return out


def _bold(line: str, lineno: int) -> Stated | None:
    match = BOLD.match(line)
    if match is None:
        return None
    label, value = match["label"].strip().rstrip(":"), match["value"].strip()
    return Stated(lineno, normalise_label(label), value)


def _row(line: str, lineno: int) -> Stated | None:
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    if len(cells) < 2 or not cells[0]:
        return None
    return Stated(lineno, normalise_label(cells[0]), cells[1])


def first_number(value: str) -> float | None:
    """The first number written in a value: `2e-4`, `8,192`, `5%` (as 0.05); None when there is none."""
    match = NUMBER.search(value.replace("`", ""))
    if match is None:
        return None
    token = match.group().replace(",", "")
    if token.endswith("%"):
        return float(token[:-1]) / 100
    return float(token)


def field_value(fields: list[Stated], label: str) -> Stated | None:
    """The first field with this (normalised) label."""
    wanted = normalise_label(label)
    return next((f for f in fields if f.label == wanted), None)
