"""Decision-log parsing and writing, sidecar decisions (round-trip) and commit trailers.

A decision-log entry, as the AI-engineering workflow writes it::

    ## TRAIN-001: Base Model Selection

    **Decision:** Qwen2.5-7B-Instruct
    **Date:** 2026-01-10
    **Step:** 5
    **Rationale:** ...
    **Supersedes:** TRAIN-000        (optional)

    ---

Headings are H2 (sometimes H3); entries are separated by ``---`` lines. Ids match case-insensitively.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z]*(?:-[A-Za-z]+)*-\d{3}$")
_HEADING = re.compile(r"^(#{2,3})\s+([A-Za-z][A-Za-z-]*-\d{3})\s*:\s*(.*?)\s*$")
_FIELD = re.compile(r"^\*\*([A-Za-z ]+):\*\*\s?(.*)$")
_SEPARATOR = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")

TRAILER_ID = "Decision-Id"
TRAILER_STEP = "Decision-Step"
TRAILER_SUPERSEDES = "Supersedes"


@dataclass
class LogEntry:
    """One decision-log entry: id, title, fields, its 1-based line and its exact text."""

    id: str
    title: str
    line: int
    text: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.id.upper()

    @property
    def choice(self) -> str:
        return self.fields.get("decision", "")

    @property
    def step(self) -> str:
        return self.fields.get("step", "")

    @property
    def supersedes(self) -> list[str]:
        return split_ids(self.fields.get("supersedes", ""))


def split_ids(text: str) -> list[str]:
    """`TRAIN-001, train-002` -> ['TRAIN-001', 'TRAIN-002'] (upper-cased)."""
    return [part.strip().upper() for part in re.split(r"[,\s]+", text) if part.strip()]


def parse_log(text: str) -> list[LogEntry]:
    """Every entry in a decision log, in file order; fenced code is ignored."""
    entries: list[LogEntry] = []
    state = ParseState()
    state.feed(text.splitlines(), entries)
    state.finish(entries)
    return entries


@dataclass
class ParseState:
    """Where :func:`parse_log` is after some lines: a log that grows by appending is parsed on from here.

    ``lines`` counts the lines read, ``current``/``body`` are the entry still open (it may go on in the next
    line), ``fenced`` whether a code fence is open."""

    lines: int = 0
    fenced: bool = False
    current: LogEntry | None = None
    body: list[str] = field(default_factory=list)

    def copy(self) -> ParseState:
        current = self.current
        if current is not None:
            current = LogEntry(current.id, current.title, current.line, current.text, dict(current.fields))
        return ParseState(self.lines, self.fenced, current, list(self.body))

    def feed(self, lines: list[str], entries: list[LogEntry]) -> None:
        """Read ``lines``; every entry they close is appended to ``entries``."""
        current, body, fenced = self.current, self.body, self.fenced
        for number, line in enumerate(lines, start=self.lines + 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
            heading = None if fenced else _HEADING.match(line)
            if (
                heading
                or (not fenced and line.startswith("#") and current is not None)
                or (not fenced and _SEPARATOR.match(line))
            ):
                _close(current, body, entries)
                current, body = None, []
            if heading:
                current = LogEntry(heading.group(2), heading.group(3), number, "")
                body = [line]
            elif current is not None:
                body.append(line)
        self.current, self.body, self.fenced = current, body, fenced
        self.lines += len(lines)

    def finish(self, entries: list[LogEntry]) -> None:
        """The end of the text closes the open entry."""
        _close(self.current, self.body, entries)
        self.current, self.body = None, []


def _close(entry: LogEntry | None, body: list[str], entries: list[LogEntry]) -> None:
    if entry is None:
        return
    entry.text = "\n".join(body).strip()
    last: str | None = None
    for line in body[1:]:
        match = _FIELD.match(line.strip())
        if match:
            last = match.group(1).strip().lower()
            entry.fields[last] = match.group(2).strip()
        elif last and line.strip():
            entry.fields[last] += " " + line.strip()  # a field value wrapped over several lines
    entries.append(entry)


def format_entry(
    decision_id: str,
    title: str,
    choice: str,
    date: str,
    step: str,
    rationale: str,
    supersedes: str | None = None,
) -> str:
    """The text of one entry, in the methodology's format."""
    lines = [
        f"## {decision_id}: {title}",
        "",
        f"**Decision:** {choice}",
        f"**Date:** {date}",
        f"**Step:** {step}",
        f"**Rationale:** {rationale}",
    ]
    if supersedes:
        lines.append(f"**Supersedes:** {supersedes}")
    return "\n".join(lines) + "\n\n---\n"


def append_entry(log_text: str | None, entry: str) -> str:
    """The log with ``entry`` appended after a `---` separator (a new log when there is none)."""
    if log_text is None or not log_text.strip():
        return "# Decision Log\n\n" + entry
    text = log_text.rstrip("\n") + "\n"
    last = [ln for ln in text.splitlines() if ln.strip()][-1]
    separator = "" if _SEPARATOR.match(last) else "\n---\n"
    return text + separator + "\n" + entry


# -- sidecar.yaml, round-trip ---------------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, key order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def add_sidecar_decision(text: str, decision: dict[str, Any]) -> str:
    """sidecar.yaml text with ``decision`` appended to `decisions`, comments and key order kept."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml()
    yaml.indent(**_detect_indent(text))
    data = yaml.load(text)
    if not isinstance(data, dict):
        raise ValueError("sidecar.yaml is not a mapping")
    decisions = data.get("decisions")
    if decisions is None:
        decisions = data["decisions"] = CommentedSeq()
    entry = CommentedMap()
    for key, value in decision.items():
        if value is not None:
            entry[key] = value
    decisions.append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _detect_indent(text: str) -> dict[str, int]:
    """Keep the file's own sequence style: `- id:` flush with its key, or indented under it."""
    lines = text.splitlines()
    for idx, line in enumerate(lines[:-1]):
        if re.match(r"^(\s*)decisions:\s*$", line):
            key_indent = len(line) - len(line.lstrip())
            nxt = lines[idx + 1]
            dash = len(nxt) - len(nxt.lstrip())
            if nxt.lstrip().startswith("- "):
                offset = dash - key_indent
                return {"mapping": 2, "sequence": offset + 2, "offset": offset}
    return {"mapping": 2, "sequence": 4, "offset": 2}


def sidecar_decision_ids(data: Any) -> list[tuple[int, str]]:
    """(index, id) of each decision in a loaded sidecar mapping."""
    decisions = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(decisions, list):
        return []
    return [(idx, str(d.get("id"))) for idx, d in enumerate(decisions) if isinstance(d, dict) and d.get("id")]


# -- commit trailers ----------------------------------------------------------------------------------


def decision_trailers(decision_id: str, step: str, supersedes: str | None) -> list[tuple[str, str]]:
    """The trailers a decision commit carries."""
    trailers = [(TRAILER_ID, decision_id), (TRAILER_STEP, step)]
    if supersedes:
        trailers.append((TRAILER_SUPERSEDES, supersedes))
    return trailers


def parse_trailers(text: str) -> list[tuple[str, str]]:
    """`Key: value` lines of a trailer block (as `git log --format=%(trailers:only,unfold)` prints it)."""
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            out.append((key.strip(), value.strip()))
    return out


def trailer_values(trailers: list[tuple[str, str]], key: str) -> list[str]:
    """Values of one trailer key (case-insensitive key)."""
    return [v for k, v in trailers if k.lower() == key.lower()]
