"""What the contamination check compares: one definition for the gate, `ftspec contamination` and split.

A record is compared by the messages of the configured roles (the system prompt is left out by default: every
record of a chat data set opens with it, so it would match every eval record). Text that most records of one
side share (a message, or a word sequence inside messages: a fixed instruction) is left out too, found from
the data itself, and the report says what was left out and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ftspec.data.records import ROLES


@dataclass(frozen=True)
class Comparison:
    """The settings of ftspec.yaml `data.contamination` (defaults as there)."""

    ngram: int = 13
    roles: tuple[str, ...] = ("user", "assistant", "tool")
    shared_share: float = 0.5
    shared_min_records: int | None = 3  # None: no text is left out as shared

    @classmethod
    def exhaustive(cls, ngram: int = 13) -> Comparison:
        """Every role, nothing left out as shared: the plain engine."""
        return cls(ngram, ROLES, 1.0, None)

    @classmethod
    def of(cls, manifest: Any) -> Comparison:
        """The comparison a project's manifest configures."""
        settings = manifest.data.contamination
        return cls(settings.ngram, tuple(settings.roles), settings.shared_share, settings.shared_min_records)

    def role_codes(self) -> list[int]:
        """The ROLES indices compared (a segment with no role, or another one, is always compared)."""
        return [ROLES.index(r) for r in self.roles if r in ROLES]

    def left_out_roles(self) -> list[str]:
        return [r for r in ROLES if r not in self.roles]

    def threshold(self, records: int) -> int | None:
        """How many of ``records`` must hold a text for it to count as shared; None when too few records."""
        import math

        if self.shared_min_records is None or records < self.shared_min_records:
            return None
        return max(self.shared_min_records, math.ceil(self.shared_share * records - 1e-9))


@dataclass(frozen=True)
class LeftOut:
    """Text left out of the comparison because most records of one side share it."""

    what: str  # "message" | "sequence"
    count: int  # how many distinct messages / word sequences
    side: str  # "training" | "sampled training" | "eval"
    records: int  # in how many records of that side (the most for any one of them)
    total: int  # of how many records
    example: str

    def describe(self) -> str:
        noun = "shared message" if self.what == "message" else "shared word sequence"
        plural = "s" if self.count != 1 else ""
        return (
            f"{self.count:,} {noun}{plural} in {self.records:,} of {self.total:,} {self.side} records: "
            f"{_clip(self.example)!r}"
        )


def describe_roles(comparison: Comparison) -> str | None:
    """The roles left out, as the report says it (None when every role is compared)."""
    left = comparison.left_out_roles()
    if not left:
        return None
    return f"{', '.join(left)} messages (data.contamination.roles: [{', '.join(comparison.roles)}])"


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_roles(text: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """A --roles option (comma-separated) or the default."""
    if not text:
        return tuple(default)
    return tuple(r.strip() for r in text.split(",") if r.strip())
