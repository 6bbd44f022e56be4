"""Example shapes per approach: chat `messages`, prompt/completion, and prompt/chosen/rejected preferences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ftspec.data.records import ROLES, chat_format, content_text

SHAPES = {
    "messages": '{"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}]}',
    "prompt-completion": '{"prompt": ..., "completion": ...}',
    "preference": '{"prompt": ..., "chosen": ..., "rejected": ...}',
}


def problems(row: Mapping[str, Any], shape: str) -> list[str]:
    """What is wrong with one example for the expected shape (empty when it is fine)."""
    if shape == "messages":
        if "messages" not in row and (other := _other_format(row)):
            return [other]
        return message_problems(row.get("messages"))
    if shape == "prompt-completion":
        return _fields(row, ("prompt", "completion"))
    found = _fields(row, ("prompt", "chosen", "rejected"))
    if not found and _text(row["chosen"]).strip() == _text(row["rejected"]).strip():
        found.append("chosen and rejected are identical (a pair must prefer one response over another)")
    return found


def _other_format(row: Mapping[str, Any]) -> str | None:
    """What a chat example written in another common format is, and how to write it as `messages`."""
    kind = chat_format(row)
    if kind == "sharegpt":
        return ("a ShareGPT record ('conversations' of from/value), not 'messages' (from human is role user, gpt "
                "is assistant; value is content)")
    if kind == "alpaca":
        return ("an Alpaca record (instruction/input/output), not 'messages' (the instruction and input are the "
                "user message, the output the assistant's)")
    if "prompt" in row and "completion" in row:
        return ("a prompt/completion record, not 'messages' (or set `data: {format: prompt-completion}` in "
                "config/training.yaml)")
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(content_text(m.get("content")) for m in value if isinstance(m, Mapping))
    return content_text(value)


def _fields(row: Mapping[str, Any], names: tuple[str, ...]) -> list[str]:
    out = []
    for name in names:
        value = row.get(name)
        if name not in row:
            out.append(f"missing '{name}'")
        elif isinstance(value, list):
            out += [f"{name}: {p}" for p in message_problems(value, final=None)]
        elif not isinstance(value, str) or not value.strip():
            out.append(f"'{name}' is {'empty' if isinstance(value, str) else type(value).__name__}, not text")
    return out


def message_problems(messages: Any, final: str | None = "assistant") -> list[str]:
    """Roles are known, user and assistant alternate after an optional system message, the last is `final`."""
    if not isinstance(messages, list) or not messages:
        return ["no 'messages' list" if not isinstance(messages, list) else "'messages' is empty"]
    out: list[str] = []
    previous = None
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            out.append(f"message {i} is not an object")
            continue
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            out.append(f"message {i} has role {role!r}, not one of {', '.join(ROLES)}")
        elif role == "system" and i:
            out.append(f"message {i} is a system message after the first")
        elif role in ("user", "assistant") and role == previous:
            out.append(f"messages {i - 1} and {i} are both {role}: roles must alternate")
        if not content_text(content).strip() and not message.get("tool_calls"):
            out.append(f"message {i} ({role}) has no content")
        previous = role if role in ("user", "assistant") else previous
    last = messages[-1].get("role") if isinstance(messages[-1], Mapping) else None
    if final and last != final:
        out.append(f"the conversation ends on {last!r}, not the {final} (there is nothing to learn)")
    return out
