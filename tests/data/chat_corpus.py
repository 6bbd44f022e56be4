"""A generated chat corpus with the shape of real fine-tuning data, and planted leaks at known lines.

Long multi-turn conversations that all open with one system prompt and whose first user message starts with a
fixed instruction; training records are prefix slices of those conversations (as the split stage writes them);
a small eval set. Planted: eval records that are verbatim copies of training records (system prompt included)
and training records that quote a passage of an eval record.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM = (
    "You are a warm and practical career coach. Listen first, reflect what you heard in the user's own words, "
    "ask one question at a time, never give a list of more than three steps, and keep every reply shorter "
    "than twice the user's message. You do not diagnose, you do not promise outcomes, and you refer people "
    "to a professional when they mention a crisis."
)
INSTRUCTION = "Please answer as my coach and keep it short and kind without lists or headings at all today."


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "pi", "qua", "nex", "ar", "bo", "lin", "ze"]
    return sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)})


def sentence(rng: random.Random, words: list[str], length: int) -> str:
    return " ".join(rng.choice(words) for _ in range(length)).capitalize() + "."


def conversation(rng: random.Random, words: list[str], exchanges: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for turn in range(exchanges):
        user = sentence(rng, words, rng.randint(15, 40))
        messages.append({"role": "user", "content": f"{INSTRUCTION} {user}" if turn == 0 else user})
        messages.append({"role": "assistant", "content": sentence(rng, words, rng.randint(20, 50))})
    return messages


def prefix(messages: list[dict[str, str]], exchanges: int) -> list[dict[str, str]]:
    return [dict(m) for m in messages[: 1 + 2 * exchanges]]


@dataclass
class Corpus:
    """The train and eval records, and the lines (1-based) of the planted leaks."""

    train: list[dict[str, Any]] = field(default_factory=list)
    eval: list[dict[str, Any]] = field(default_factory=list)
    exact: set[int] = field(default_factory=set)  # train lines that an eval record copies verbatim
    ngram: set[int] = field(default_factory=set)  # train lines that quote an eval passage, or are other
    # slices of a copied conversation (they share its words)

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = directory / "train.jsonl", directory / "eval.jsonl"
        for path, rows in zip(paths, (self.train, self.eval), strict=True):
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return paths


def chat_corpus(seed: int = 0, conversations: int = 40, evals: int = 6, copies: int = 2, quotes: int = 2) -> Corpus:
    rng = random.Random(seed)
    words = vocabulary(rng)
    corpus = Corpus()
    for c in range(conversations):
        messages = conversation(rng, words, rng.randint(8, 14))
        for k in range(3, len(messages) // 2 + 1, 3):  # prefix slices of one conversation
            meta = {"source_id": f"conv-{c}"}
            corpus.train.append({"messages": prefix(messages, k), "metadata": meta})
    for _ in range(evals - copies):
        corpus.eval.append({"messages": conversation(rng, words, rng.randint(6, 10))})
    for line in rng.sample(range(1, len(corpus.train) + 1), copies):  # verbatim copies, system prompt and all
        corpus.eval.append({"messages": corpus.train[line - 1]["messages"]})
        corpus.exact.add(line)
    copied = {corpus.train[line - 1]["metadata"]["source_id"] for line in corpus.exact}
    for n, row in enumerate(corpus.train, start=1):
        if row["metadata"]["source_id"] in copied and n not in corpus.exact:
            corpus.ngram.add(n)
    taken = corpus.exact | corpus.ngram
    for _ in range(quotes):  # a reply that quotes 20 words of an eval reply
        line = rng.choice([n for n in range(1, len(corpus.train) + 1) if n not in taken])
        taken.add(line)
        source = rng.choice(corpus.eval[: evals - copies])["messages"][2]["content"].split()
        start = rng.randint(0, len(source) - 20)
        reply = corpus.train[line - 1]["messages"][-1]
        reply["content"] += " " + " ".join(source[start : start + 20])
        corpus.ngram.add(line)
    return corpus
