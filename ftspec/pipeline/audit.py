"""The audit red flags of methodology.md section 4, measured over generated conversations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

PRAISE = re.compile(r"\b(great|excellent|amazing|wonderful|fantastic|impressive|proud|brilliant|well done)\b", re.I)
Transcript = Sequence[dict[str, str]]


def _replies(transcripts: Sequence[Transcript]) -> list[str]:
    return [m["content"] for t in transcripts for m in t if m["role"] == "assistant"]


def phrase_repetition(transcripts: Sequence[Transcript], n: int = 4) -> tuple[float, str]:
    """Largest share of replies containing one n-word phrase, and that phrase (flag above 0.5)."""
    replies = _replies(transcripts)
    counts: Counter[tuple[str, ...]] = Counter()
    for text in replies:
        words = re.findall(r"\w+", text.lower())
        counts.update({tuple(words[i : i + n]) for i in range(len(words) - n + 1)})
    if not counts or not replies:
        return 0.0, ""
    phrase, hits = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: the same phrase on every run
    return hits / len(replies), " ".join(phrase)


def _shape(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    bullets = sum(bool(re.match(r"\s*([-*]|\d+\.)\s", line)) for line in text.splitlines())
    return f"p{len(paragraphs)}-b{min(bullets, 3)}-q{int(text.rstrip().endswith('?'))}"


def structure_uniformity(transcripts: Sequence[Transcript]) -> float:
    """Share of replies with the most common shape (paragraphs, bullets, closing question); 1.0 is a red flag."""
    shapes = Counter(_shape(t) for t in _replies(transcripts))
    total = sum(shapes.values())
    return shapes.most_common(1)[0][1] / total if total else 0.0


def length_ratio(transcripts: Sequence[Transcript]) -> float:
    """Mean of reply words / preceding user words (flag above 2.0)."""
    ratios = []
    for t in transcripts:
        for prev, cur in zip(t, t[1:], strict=False):
            if prev["role"] == "user" and cur["role"] == "assistant":
                ratios.append(len(cur["content"].split()) / max(1, len(prev["content"].split())))
    return sum(ratios) / len(ratios) if ratios else 0.0


def praise_drift(transcripts: Sequence[Transcript]) -> float:
    """Praise words per reply in the second half of conversations minus the first half (flag when clearly > 0)."""
    early, late = [], []
    for t in transcripts:
        replies = [m["content"] for m in t if m["role"] == "assistant"]
        half = len(replies) // 2
        early += [len(PRAISE.findall(r)) for r in replies[:half]]
        late += [len(PRAISE.findall(r)) for r in replies[half:]]
    return _mean(late) - _mean(early)


def _mean(xs: list[int]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def red_flags(transcripts: Sequence[Transcript]) -> dict[str, Any]:
    """All four red flags as metrics, each with its flag."""
    share, phrase = phrase_repetition(transcripts)
    uniform = structure_uniformity(transcripts)
    ratio = length_ratio(transcripts)
    drift = praise_drift(transcripts)
    return {
        "phrase_repetition": round(share, 4),
        "phrase_repetition_flag": share > 0.5,
        "most_common_phrase": phrase,
        "structure_uniformity": round(uniform, 4),
        "structure_uniformity_flag": uniform >= 1.0 and len(transcripts) > 1,
        "length_ratio": round(ratio, 4),
        "length_ratio_flag": ratio > 2.0,
        "late_praise": round(drift, 4),
        "late_praise_flag": drift > 0.1,
    }
