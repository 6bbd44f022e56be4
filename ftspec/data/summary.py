"""One pass over a data file that gathers what every data gate needs, cached per file version.

The data gates each read the same file; reading a 1 GB training set eight times would make `ftspec check`
crawl, so the first gate to ask pays for one pass and the others reuse it (keyed on the file's size and
mtime, the tokenizer and the length limit). Lists of findings are capped; counts are exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.data.contamination import normalise
from ftspec.data.formats import problems
from ftspec.data.pii import PiiMatch, find_pii
from ftspec.data.records import SOURCE_KEYS, edge_weight, record_text, source_of, topic_names
from ftspec.data.tokens import TokenCounter

CAP = 50


@dataclass
class Capped:
    """The first CAP items of a list, and how many there were in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0

    def add(self, item: Any) -> None:
        self.total += 1
        if len(self.items) < CAP:
            self.items.append(item)


@dataclass
class Summary:
    """What a pass over one data file found."""

    rel: str
    rows: int = 0
    errors: Capped = field(default_factory=Capped)  # DataError per malformed line
    shape: Capped = field(default_factory=Capped)  # (line, problem)
    too_long: Capped = field(default_factory=Capped)  # (line, tokens)
    longest: int = 0
    pii: Capped = field(default_factory=Capped)  # (line, PiiMatch)
    duplicates: Capped = field(default_factory=Capped)  # (line, first line)
    edge_flagged: int = 0  # rows that say whether (or how much: topic seeds) they are an edge case
    edge_cases: float = 0.0  # the sum of their edge-case shares
    topic_records: int = 0  # rows whose topic seeds are names (metadata.topics: [name, ...])
    topic_shares: dict[str, float] = field(default_factory=dict)  # name -> sum over rows of 1 / seeds
    sources: dict[str, int] = field(default_factory=dict)  # source_id -> first line


_CACHE: dict[tuple[Any, ...], Summary] = {}


def summarise(
    path: Path,
    rel: str,
    shape: str,
    counter: TokenCounter,
    max_length: int | None,
    tokenizer: str | None,
    source_keys: tuple[str, ...] = SOURCE_KEYS,
) -> Summary:
    """The summary of a data file, computed once per file version and settings."""
    from ftspec.data.loading import iter_rows

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, shape, max_length, tokenizer, source_keys)
    if key in _CACHE:
        return _CACHE[key]
    summary = Summary(rel)
    seen: dict[bytes, int] = {}
    errors: list[Any] = []
    for line, row in iter_rows(path, rel, errors):
        _one(summary, line, row, shape, counter, max_length, seen, source_keys)
    for error in errors:
        summary.errors.add(error)
    _CACHE[key] = summary
    return summary


def _one(
    summary: Summary,
    line: int,
    row: dict[str, Any],
    shape: str,
    counter: TokenCounter,
    max_length: int | None,
    seen: dict[bytes, int],
    source_keys: tuple[str, ...] = SOURCE_KEYS,
) -> None:
    summary.rows += 1
    for problem in problems(row, shape):
        summary.shape.add((line, problem))
    text = record_text(row)
    if max_length is not None:
        tokens = counter.count(row)
        summary.longest = max(summary.longest, tokens)
        if tokens > max_length:
            summary.too_long.add((line, tokens))
    for match in find_pii(text):
        summary.pii.add((line, match))
    digest = hashlib.blake2b(normalise(text).encode(), digest_size=16).digest()
    if digest in seen:
        summary.duplicates.add((line, seen[digest]))
    else:
        seen[digest] = line
    names = topic_names(row)
    if names:
        summary.topic_records += 1
        for name in names:
            summary.topic_shares[name] = summary.topic_shares.get(name, 0.0) + 1 / len(names)
    weight = None if names else edge_weight(row)
    if weight is not None:
        summary.edge_flagged += 1
        summary.edge_cases += weight
    source = source_of(row, source_keys)
    if source is not None:
        summary.sources.setdefault(source, line)


__all__ = ["PiiMatch", "Summary", "summarise"]
