"""A deterministic offline stand-in for an LLM: pseudo-random text and verdicts derived from a hash of the prompt.

It is not a language model and says nothing about quality. It exists so the bundled example pipeline and the
tests run with no server and no download. `model: bad-json` makes a judge answer with unparseable text.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from ftspec.models.manifest import BackendConfig

Message = dict[str, str]

WORDS = [
    "job",
    "interview",
    "manager",
    "team",
    "offer",
    "salary",
    "role",
    "career",
    "change",
    "skills",
    "resume",
    "network",
    "contact",
    "feedback",
    "project",
    "deadline",
    "promotion",
    "raise",
    "company",
    "school",
    "course",
    "business",
    "plan",
    "week",
    "month",
    "year",
    "boss",
    "colleague",
    "meeting",
    "email",
    "application",
    "rejection",
    "confidence",
    "stress",
    "balance",
    "hours",
    "workload",
    "goal",
    "option",
    "step",
    "idea",
    "reason",
    "worry",
    "chance",
    "friend",
    "mentor",
    "recruiter",
    "portfolio",
    "training",
    "field",
    "industry",
    "startup",
    "contract",
    "review",
    "report",
    "shift",
    "schedule",
    "morning",
    "evening",
    "weekend",
    "budget",
    "savings",
    "risk",
    "path",
    "question",
    "answer",
    "problem",
    "situation",
    "decision",
    "future",
]
FILLER = [
    "I",
    "you",
    "we",
    "it",
    "this",
    "that",
    "my",
    "your",
    "the",
    "a",
    "about",
    "with",
    "for",
    "and",
    "but",
    "so",
    "really",
    "maybe",
    "just",
    "still",
    "also",
]
_ANSWER = re.compile(r"Answer (YES, NO or NA|YES or NO)")


class ScriptedBackend:
    """Role-aware canned generator: user turns, assistant replies, or judge verdicts as strict JSON."""

    def __init__(self, cfg: BackendConfig, role: str) -> None:
        self.cfg = cfg
        self.role = role

    async def chat(self, messages: list[Message], response_format: dict[str, Any] | None = None) -> str:
        prompt = "\n".join(m["content"] for m in messages)
        rng = random.Random(hashlib.sha256(f"{self.cfg.model}|{self.role}|{prompt}".encode()).digest())
        if self.role == "judge":
            return self._verdict(prompt, rng)
        return _sentences(rng, prompt, 2 if self.role == "user_simulator" else 3)

    def _verdict(self, prompt: str, rng: random.Random) -> str:
        if self.cfg.model == "bad-json":
            return "YES, mostly."
        match = _ANSWER.search(prompt)
        na_ok = bool(match and "NA" in match.group(1))
        roll = rng.random()
        answer = "NO" if roll < 0.05 else "NA" if na_ok and roll > 0.9 else "YES"
        return json.dumps({"answer": answer, "reasoning": "scripted verdict (not a model judgment)"})


def _sentences(rng: random.Random, prompt: str, count: int) -> str:
    echoes = [w for w in re.findall(r"[a-z]{4,}", prompt.lower()[-400:])] or WORDS
    out = []
    for i in range(rng.randint(1, count)):
        words = [
            rng.choice(FILLER if j % 3 == 0 else WORDS if rng.random() < 0.7 else echoes)
            for j in range(rng.randint(6, 14))
        ]
        end = "?" if i == 0 and rng.random() < 0.3 else "."
        out.append(" ".join(words).capitalize() + end)
    return " ".join(out)
