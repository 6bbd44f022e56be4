"""Token counts: exact with a local tokenizer, otherwise a documented, deliberately high approximation.

Without a tokenizer (``data.tokenizer`` unset) an example counts ``max(ceil(1.3 * words), ceil(chars / 4))``
tokens plus 4 per message for the chat template. 1.3 tokens per English word and 4 characters per token are
the usual rules of thumb for BPE vocabularies; taking the larger of the two errs long (code, numbers and
non-English text tokenise worse than English prose), so the gate may flag an example that would fit, never
pass one that would not by much. Set ``data.tokenizer`` to a local tokenizer directory for exact counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ftspec.data.records import content_text, record_text

TEMPLATE_TOKENS_PER_MESSAGE = 4


class TokenCounter(Protocol):
    """Counts the tokens of one example."""

    exact: bool

    def count(self, row: Mapping[str, Any]) -> int: ...


class Approximate:
    """max(ceil(1.3 x words), ceil(chars / 4)) + 4 per message: errs long (see the module docstring)."""

    exact = False

    def count(self, row: Mapping[str, Any]) -> int:
        text = record_text(row)
        messages = row.get("messages")
        return approximate_tokens(len(text.split()), len(text), len(messages) if isinstance(messages, list) else 1)


def approximate_tokens(words: int, chars: int, messages: int) -> int:
    """The approximation from a text's word and character counts and its number of messages."""
    return max(math.ceil(1.3 * words), math.ceil(chars / 4)) + TEMPLATE_TOKENS_PER_MESSAGE * messages


class Exact:
    """A local tokenizer (transformers AutoTokenizer); chat examples go through its chat template."""

    exact = True

    def __init__(self, path: Path) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)

    def count(self, row: Mapping[str, Any]) -> int:
        messages = row.get("messages")
        if isinstance(messages, list) and getattr(self.tokenizer, "chat_template", None):
            chat = [{"role": m.get("role"), "content": content_text(m.get("content"))} for m in messages]
            ids = self.tokenizer.apply_chat_template(chat, tokenize=True)
            return len(ids["input_ids"] if isinstance(ids, Mapping) else ids)
        return len(self.tokenizer(record_text(row), add_special_tokens=True)["input_ids"])


def counter(tokenizer: Path | None) -> TokenCounter:
    """An exact counter for a local tokenizer path, else the approximation."""
    return Exact(tokenizer) if tokenizer is not None else Approximate()
