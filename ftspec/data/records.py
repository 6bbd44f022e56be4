"""One example of a dataset: where it is, what it says, and the metadata the data gates read.

Record metadata (optional, per example) is ``metadata: {source_id: ..., topic: ..., topics: [...], edge_case:
bool}``; top-level keys are accepted too. The source (the transcript an example was sliced from: the
split-by-source gate keeps one transcript on one side) is the first of ``data.source_key``'s keys a record has
(by default metadata.source_id, source_id, source_transcript, transcript, source, in ``metadata`` or at the top
level). ``edge_case`` marks examples drawn from the taxonomy's edge-case topics; a record built from several
topic seeds (``metadata.topics: [{name, edge_case}, ...]``) counts as the share of its seeds that are edge cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant", "tool")
SOURCE_KEYS = ("metadata.source_id", "source_id", "source_transcript", "transcript", "source")
FIELDS = ("prompt", "completion", "chosen", "rejected", "text")


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


def _conversation(value: Any) -> list[tuple[str | None, str]]:
    """A prompt/completion field as (role, text) parts: plain text (no role) or a list of messages."""
    if isinstance(value, list):
        return [(_role(m), content_text(m.get("content"))) for m in value if isinstance(m, Mapping)]
    return [(None, content_text(value))]


def _role(message: Mapping[str, Any]) -> str | None:
    role = message.get("role")
    return role if isinstance(role, str) else None


# ShareGPT's `from` values (as its variants write them) and the roles they stand for.
SHAREGPT_ROLES = {
    **dict.fromkeys(("human", "user"), "user"),
    **dict.fromkeys(("gpt", "assistant", "chatgpt", "model", "bot", "bing", "bard"), "assistant"),
    "system": "system",
    **dict.fromkeys(("tool", "function", "function_call", "function_response", "observation"), "tool"),
}


def record_segments(row: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """(role, text) of every message (or prompt, completion, chosen, rejected, text field) of a row; a chat in
    ShareGPT (`conversations` of from/value) or Alpaca (instruction/input/output) form is read as its messages,
    so that the checks of what it says (contamination, duplicates, PII, length) see its text even though
    data.format asks for `messages`."""
    if isinstance(row.get("messages"), list):
        return _conversation(row["messages"])
    found = [part for k in FIELDS if k in row for part in _conversation(row[k])]
    if found:
        return found
    kind = chat_format(row)
    return _sharegpt(row["conversations"]) if kind == "sharegpt" else _alpaca(row) if kind == "alpaca" else []


def chat_format(row: Mapping[str, Any]) -> str | None:
    """'sharegpt' (`conversations` of from/value) or 'alpaca' (instruction/input/output) when a row holds a chat
    in that form; what record_segments reads and data.format names."""
    turns = row.get("conversations")
    if isinstance(turns, list) and any(isinstance(t, Mapping) and "value" in t for t in turns):
        return "sharegpt"
    if "instruction" in row and "output" in row:
        return "alpaca"
    return None


def _sharegpt(turns: list[Any]) -> list[tuple[str | None, str]]:
    return [(SHAREGPT_ROLES.get(str(t.get("from")).lower()), content_text(t.get("value")))
            for t in turns if isinstance(t, Mapping) and "value" in t]


def _alpaca(row: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    asked = [text for text in (content_text(row.get("instruction")), content_text(row.get("input"))) if text]
    return [("user", "\n\n".join(asked)), ("assistant", content_text(row["output"]))]


def record_text(row: Mapping[str, Any]) -> str:
    """Every message content (or prompt, completion, chosen, rejected, text) joined with newlines."""
    return "\n".join(text for _, text in record_segments(row) if text)


def metadata(row: Mapping[str, Any]) -> dict[str, Any]:
    """The `metadata` mapping, with top-level source_id/topic/topics/edge_case as fallbacks."""
    meta = row.get("metadata")
    out = dict(meta) if isinstance(meta, Mapping) else {}
    for key in ("source_id", "topic", "topics", "edge_case"):
        if key not in out and key in row:
            out[key] = row[key]
    return out


def lookup(row: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted key (``metadata.source_id``), or None; a plain key is looked up in ``metadata``
    too."""
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None and "." not in key:
        meta = row.get("metadata")
        value = meta.get(key) if isinstance(meta, Mapping) else None
    return value


def source_of(row: Mapping[str, Any], keys: Sequence[str] = SOURCE_KEYS) -> str | None:
    """The record's source transcript: the first of ``keys`` it has (a string or number)."""
    for key in keys:
        value = lookup(row, key)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return str(value)
    return None


def edge_weight(row: Mapping[str, Any]) -> float | None:
    """How much of the record is an edge case: the share of its topic seeds that say they are one
    (``topics: [{name, edge_case: true}, ...]``), else 0 or 1 from ``edge_case``; None when it does not say,
    or when its topics are plain names (see :func:`topic_names`)."""
    meta = metadata(row)
    topics = meta.get("topics")
    if isinstance(topics, list) and topics:
        flags = [t.get("edge_case") if isinstance(t, Mapping) else None for t in topics]
        if all(isinstance(f, bool) for f in flags):
            return sum(bool(f) for f in flags) / len(flags)
        if topic_names(row):
            return None
    flag = meta.get("edge_case")
    return float(flag) if isinstance(flag, bool) else None


def topic_names(row: Mapping[str, Any]) -> list[str] | None:
    """The topic seeds of a multi-topic record given as names (``topics: [name, ...]``, or mappings with a
    name but no edge_case), to be weighed against the taxonomy's edge-case topics; None otherwise."""
    topics = metadata(row).get("topics")
    if not isinstance(topics, list) or not topics:
        return None
    names = [t if isinstance(t, str) else t.get("name") if isinstance(t, Mapping) else None for t in topics]
    flagged = all(isinstance(t, Mapping) and isinstance(t.get("edge_case"), bool) for t in topics)
    if flagged or not all(isinstance(n, str) for n in names):
        return None
    return [str(n) for n in names]
