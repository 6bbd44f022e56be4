"""One example of a dataset: where it is, what it says, and the metadata the data gates read.

Record metadata (optional, per example) is ``metadata: {source_id: ..., topic: ..., edge_case: bool}``; a
top-level ``source_id`` / ``topic`` / ``edge_case`` is accepted too. ``source_id`` names the transcript an
example was sliced from (the split-by-source gate keeps one transcript on one side); ``edge_case`` marks
examples drawn from the taxonomy's edge-case topics (the edge-case-share gate compares their share with the
taxonomy's target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant", "tool")


@dataclass(frozen=True)
class Record:
    """One text unit of a dataset: project-relative file, 1-based line (row + 1 for tables) and its text."""

    path: str
    line: int
    text: str


def content_text(content: Any) -> str:
    """A message content as text: a string, or the text parts of a multimodal content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and "text" in p)
    return "" if content is None else str(content)


def _conversation(value: Any) -> str:
    """A prompt/completion field: plain text or a conversational list of messages (TRL's two shapes)."""
    if isinstance(value, list):
        return "\n".join(content_text(m.get("content")) for m in value if isinstance(m, Mapping))
    return content_text(value)


def record_text(row: Mapping[str, Any]) -> str:
    """Every message content (or prompt, completion, chosen, rejected, text) joined with newlines."""
    if isinstance(row.get("messages"), list):
        return _conversation(row["messages"])
    parts = [
        _conversation(row[k]) for k in ("prompt", "completion", "chosen", "rejected", "text") if k in row
    ]
    return "\n".join(p for p in parts if p)


def metadata(row: Mapping[str, Any]) -> dict[str, Any]:
    """The `metadata` mapping, with top-level source_id/topic/edge_case as fallbacks."""
    meta = row.get("metadata")
    out = dict(meta) if isinstance(meta, Mapping) else {}
    for key in ("source_id", "topic", "edge_case"):
        if key not in out and key in row:
            out[key] = row[key]
    return out
