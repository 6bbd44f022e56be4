"""One pass over a data file that gathers what every data gate needs, cached per file version.

The data gates each read the same file; reading a 1 GB training set eight times would make `ftspec check`
crawl, so the first gate to ask pays for one pass and the others reuse it (keyed on the file's size and
mtime, the tokenizer and the length limit). A large JSONL file is read in byte ranges by a process per core
(ftspec.data.ranges) and the parts joined in line order, so the result is the same as one process's. Lists of
findings are capped; counts are exact.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.data.formats import problems
from ftspec.data.pii import PiiMatch
from ftspec.data.ranges import LINE_BUFFER, Window
from ftspec.data.records import SOURCE_KEYS, edge_weight, source_of, topic_names
from ftspec.data.tokens import TokenCounter
from ftspec.data.turns import RATIO_BINS, Turns

CAP = 50


@dataclass(frozen=True)
class Checks:
    """The gate settings a pass over the data depends on (part of the summary's cache key)."""

    ratio_limit: float = 2.0
    ratio_share: float = 0.5
    artifacts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ignore_artifacts: tuple[str, ...] = ()
    artifact_roles: tuple[str, ...] = ("user", "assistant")
    languages: tuple[str, ...] = ("en",)
    min_words: int = 12
    pii_allow: tuple[str, ...] = ()
    max_record_bytes: int | None = None
    source_keys: tuple[str, ...] = SOURCE_KEYS  # where a record names the transcript it was sliced from


@dataclass
class Capped:
    """The first CAP items of a list, and how many there were in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0

    def add(self, item: Any) -> None:
        self.total += 1
        if len(self.items) < CAP:
            self.items.append(item)

    def extend(self, later: Capped, offset: int) -> None:
        """Append the items of a later range of the file, whose lines count from 1 after ``offset`` lines."""
        self.total += later.total
        room = max(CAP - len(self.items), 0)
        self.items += [(item[0] + offset, *item[1:]) for item in later.items[:room]]


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
    ratio_bins: list[int] = field(default_factory=lambda: [0] * (len(RATIO_BINS) + 1))  # user->reply pairs
    ratio_over: int = 0  # pairs whose reply exceeds the limit
    long_replies: Capped = field(default_factory=Capped)  # (line, pairs over the limit, pairs)
    artifacts: Capped = field(default_factory=Capped)  # (line, message index, role, kind, matched text)
    foreign: Capped = field(default_factory=Capped)  # (line, language, turns in it, turns judged)
    opening: bytes = b""  # how a JSONL file opens: the start of its first non-blank line (see Opening)

    @property
    def ratio_pairs(self) -> int:
        return sum(self.ratio_bins)

    def ratio_distribution(self) -> str:
        """The reply/user word ratios of every exchange, binned: '<1x 20%, 1-1.5x 30%, ...'."""
        edges = ("0", *(f"{e:g}" for e in RATIO_BINS), "")
        names = [f"{lo}-{hi}x" if hi else f">{lo}x" for lo, hi in zip(edges, edges[1:], strict=False)]
        names[0] = f"<{RATIO_BINS[0]:g}x"
        total = self.ratio_pairs or 1
        return ", ".join(f"{n} {100 * c / total:.0f}%" for n, c in zip(names, self.ratio_bins, strict=True))


_CACHE: dict[tuple[Any, ...], Summary] = {}


@dataclass
class Part:
    """A range of a data file as one process summarised it, its lines counted from 1: the summary, each
    record's line and digest (duplicates are found across ranges when they are joined), its malformed lines as
    (line, message, fix), and how many lines it holds."""

    summary: Summary
    lines: Any  # array("q")
    digests: bytes
    errors: list[tuple[int, str, str]]
    size: int = 0


@dataclass(frozen=True)
class Pass:
    """What summarising one range needs (inherited by forked workers, never pickled)."""

    path: Path
    rel: str
    shape: str
    counter: TokenCounter
    max_length: int | None
    checks: Checks

    def __call__(self, start: int, end: int) -> Part:
        """The part of the file from byte ``start`` (a line start) to ``end``."""
        from ftspec.data.batches import parse_lines
        from ftspec.data.loading import bounded_lines

        errors: list[Any] = []
        limit = self.checks.max_record_bytes
        with self.path.open("rb", buffering=LINE_BUFFER) as handle:
            window = Window(handle, start, end)
            raws = (line.rstrip(b"\n") for line in window) if limit is None else \
                bounded_lines(window, self.rel, limit, errors)
            opening = Opening(raws) if start == 0 else None
            part = self.scan(parse_lines(self.rel, 1, opening or raws, errors))
            part.size = window.lines
        part.summary.opening = opening.text if opening is not None else b""
        part.errors = [(e.location.line, e.message, e.fix) for e in errors]
        return part

    def scan(self, rows: Any) -> Part:
        """Summarise (line, row) pairs."""
        summary = Summary(self.rel)
        turns = Turns(self.checks, self.counter, self.max_length)
        messages = self.shape == "messages"
        with collector_paused():
            for batch in turns.batches(rows):
                for line, row, keys, after in batch:
                    summary.rows += 1
                    if not turns.record(summary, line, row, keys, after) or not messages:
                        for problem in problems(row, self.shape):
                            summary.shape.add((line, problem))
                    _metadata(summary, line, row, self.checks.source_keys)
                gc.collect(0)  # the cycles judging a batch made (a tokenizer's chat template may make some)
        return Part(summary, turns.lines, bytes(turns.digests), [])


class Opening:
    """Passes the lines of a file on, keeping the start of the first non-blank one (a file of pretty-printed JSON
    opens with a line that is just '[' or '{')."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines, self.text = lines, b""

    def __iter__(self) -> Iterator[bytes]:
        for line in self.lines:
            if not self.text and line.strip():
                self.text = line.lstrip(b"\xef\xbb\xbf").strip()[:16]
            yield line


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's automatic cycle collection while a pass runs. The pass parses a dict per message and holds a
    batch of records while it judges them: allocations that trigger collections, each walking every object
    alive, the batch and the memo included (0.12 of its 1.0 CPU-s on the benchmark corpus, most of it in 3 full
    collections). Its own code leaves no cyclic garbage (reference counting frees what it drops); the pass
    collects the youngest objects after each batch, so cycles that other code makes (a tokenizer) are freed
    batch by batch and memory stays bounded."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def summarise(
    path: Path,
    rel: str,
    shape: str,
    counter: TokenCounter,
    max_length: int | None,
    tokenizer: str | None,
    checks: Checks | None = None,
    workers: int | None = None,
) -> Summary:
    """The summary of a data file, computed once per file version and settings; a large JSONL file is read in
    ranges by ``workers`` processes (default: from its size and the CPUs)."""
    from ftspec.data.loading import data_kind, iter_rows
    from ftspec.data.message_batch import preload
    from ftspec.data.ranges import map_ranges, workers_for

    checks = checks or Checks()
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, shape, max_length, tokenizer, checks)
    if key in _CACHE:
        return _CACHE[key]
    work = Pass(path, rel, shape, counter, max_length, checks)
    preload(stat.st_size)
    if data_kind(path) == "jsonl":
        parts = map_ranges(path, work, workers or workers_for(stat.st_size))
    else:
        parts = [work.scan(iter_rows(path, rel))]
    _CACHE[key] = joined(rel, parts)
    return _CACHE[key]


def joined(rel: str, parts: list[Part]) -> Summary:
    """One summary from the parts of a file, in order, their lines renumbered from the file's first."""
    from ftspec.data.loading import DataError

    summary, offset = Summary(rel), 0
    summary.opening = parts[0].summary.opening if parts else b""
    seen: dict[bytes, int] = {}
    for part in parts:
        _add(summary, part.summary, offset)
        for error in part.errors:
            summary.errors.add(DataError(rel, error[0] + offset, error[1], error[2]))
        for i, line in enumerate(part.lines):
            digest = part.digests[16 * i : 16 * i + 16]
            if digest in seen:
                summary.duplicates.add((line + offset, seen[digest]))
            else:
                seen[digest] = line + offset
        offset += part.size
    return summary


def _add(summary: Summary, part: Summary, offset: int) -> None:
    """Counts add up; capped lists append; sources keep their first line."""
    summary.rows += part.rows
    summary.longest = max(summary.longest, part.longest)
    for name in ("shape", "too_long", "pii", "long_replies", "artifacts", "foreign"):
        getattr(summary, name).extend(getattr(part, name), offset)
    summary.edge_flagged += part.edge_flagged
    summary.edge_cases += part.edge_cases
    summary.topic_records += part.topic_records
    for name, share in part.topic_shares.items():
        summary.topic_shares[name] = summary.topic_shares.get(name, 0.0) + share
    for source, line in part.sources.items():
        summary.sources.setdefault(source, line + offset)
    summary.ratio_bins = [a + b for a, b in zip(summary.ratio_bins, part.ratio_bins, strict=True)]
    summary.ratio_over += part.ratio_over


def _metadata(summary: Summary, line: int, row: dict[str, Any], source_keys: tuple[str, ...]) -> None:
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


__all__ = ["Checks", "PiiMatch", "Summary", "summarise"]
