"""One pass over a data file that gathers what every data gate needs, cached per file version.

The data gates each read the same file; reading a 1 GB training set eight times would make `ftspec check`
crawl, so the first gate to ask pays for one pass and the others reuse it (keyed on the file's size and
mtime, the tokenizer and the length limit). Lists of findings are capped; counts are exact.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ftspec.data.artifacts import plain_words
from ftspec.data.contamination import normalise
from ftspec.data.formats import problems
from ftspec.data.pii import Allowlist, PiiMatch, find_pii
from ftspec.data.records import SOURCE_KEYS, content_text, edge_weight, record_text, source_of, topic_names
from ftspec.data.tokens import TokenCounter, approximate_tokens

CAP = 50
RATIO_BINS = (1.0, 1.5, 2.0, 3.0)  # reply/user word ratio bin edges: <1, 1-1.5 (the method's target), 1.5-2, 2-3, 3+


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


def summarise(
    path: Path,
    rel: str,
    shape: str,
    counter: TokenCounter,
    max_length: int | None,
    tokenizer: str | None,
    checks: Checks | None = None,
) -> Summary:
    """The summary of a data file, computed once per file version and settings."""
    from ftspec.data.loading import iter_rows

    checks = checks or Checks()
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, shape, max_length, tokenizer, checks)
    if key in _CACHE:
        return _CACHE[key]
    summary = Summary(rel)
    errors: list[Any] = []
    turns = Turns(checks, counter, max_length)
    for line, row in iter_rows(path, rel, errors, checks.max_record_bytes):
        summary.rows += 1
        for problem in problems(row, shape):
            summary.shape.add((line, problem))
        turns.record(summary, line, row)
        _metadata(summary, line, row, checks.source_keys)
    for error in errors:
        summary.errors.add(error)
    _CACHE[key] = summary
    return summary


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


class Message(NamedTuple):
    """What the checks found in one message; computed once per distinct message of a pass."""

    words: int
    chars: int
    artifact: tuple[str, str] | None
    foreign: str | None
    pii: tuple[PiiMatch, ...]
    digest: bytes  # of its normalised text (duplicates)


MEMO_LIMIT = 400_000  # distinct messages remembered: bounded memory on a corpus of any size


class Turns:
    """Every check that reads messages: PII, duplicates, token length, reply length ratio, artifacts, language.

    Sliced data repeats each conversation's messages in every slice (a 40-exchange transcript sliced five times
    holds each early message five times), so a message's verdicts are computed once and remembered by (role,
    text hash) for the rest of the pass; a record's verdicts are then sums and joins of its messages'.
    """

    def __init__(self, checks: Checks, counter: TokenCounter, max_length: int | None) -> None:
        from ftspec.data.artifacts import ArtifactFinder
        from ftspec.data.language import LanguageCheck
        from ftspec.data.tokens import Approximate

        self.checks, self.counter, self.max_length = checks, counter, max_length
        self.approximate = isinstance(counter, Approximate)
        self.artifacts = ArtifactFinder(dict(checks.artifacts), checks.ignore_artifacts)
        self.language = LanguageCheck(checks.languages, checks.min_words)
        self.allow = Allowlist(checks.pii_allow)
        self.memo: dict[int, Message] = {}
        self.seen: dict[bytes, int] = {}  # record digest -> first line

    def message(self, role: str, text: str) -> Message:
        key = hash((role, text))
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            lower = text.lower()
            words = plain_words(lower)  # for duplicates (normalised text), artifact triggers and language
            found = self.memo[key] = Message(
                len(text.split()),
                len(text),
                self.artifacts.find(text, lower, words) if role in self.checks.artifact_roles else None,
                self.language.foreign(text, words) if role == "assistant" else None,
                tuple(find_pii(text, self.allow)),
                _digest(" ".join(words)),
            )
        return found

    def record(self, summary: Summary, line: int, row: dict[str, Any]) -> None:
        messages = row.get("messages")
        if not isinstance(messages, list):
            self._plain(summary, line, row)
            return
        digests, words, chars, parts = [], 0, 0, 0
        pairs = over = judged = 0
        languages: dict[str, int] = {}
        previous: tuple[str, int] | None = None
        for index, message in enumerate(messages):
            if not isinstance(message, dict):  # JSON and table rows are dicts; an ABC check costs 5x more
                continue
            role, text = str(message.get("role")), content_text(message.get("content"))
            found = self.message(role, text)
            parts += 1
            words, chars = words + found.words, chars + found.chars
            if found.words:
                digests.append(found.digest)
            for match in found.pii:
                summary.pii.add((line, match))
            if found.artifact:
                summary.artifacts.add((line, index, role, *found.artifact))
            if role == "assistant":
                judged += found.foreign is not None or found.words > self.checks.min_words
                if found.foreign:
                    languages[found.foreign] = languages.get(found.foreign, 0) + 1
                if previous and previous[0] == "user":
                    ratio = found.words / max(previous[1], 1)
                    summary.ratio_bins[bisect.bisect_right(RATIO_BINS, ratio)] += 1
                    pairs += 1
                    over += ratio > self.checks.ratio_limit
            previous = (role, found.words)
        summary.ratio_over += over
        if pairs and over > self.checks.ratio_share * pairs:
            summary.long_replies.add((line, over, pairs))
        off = sum(languages.values())
        if judged and off > judged / 2:
            summary.foreign.add((line, max(languages, key=languages.__getitem__), off, judged))
        self._duplicate(summary, line, _digest(b"".join(digests)))
        if self.max_length is not None:
            if self.approximate:  # the Approximate formula over the joined text, from the messages' sums
                chars += max(parts - 1, 0)
                tokens = approximate_tokens(words, chars, len(messages))
            else:
                tokens = self.counter.count(row)
            self._length(summary, line, tokens)

    def _plain(self, summary: Summary, line: int, row: dict[str, Any]) -> None:
        """A prompt/completion or preference row: one text, no turns."""
        text = record_text(row)
        for match in find_pii(text, self.allow):
            summary.pii.add((line, match))
        self._duplicate(summary, line, _digest(normalise(text)))
        if self.max_length is not None:
            self._length(summary, line, self.counter.count(row))

    def _duplicate(self, summary: Summary, line: int, digest: bytes) -> None:
        if digest in self.seen:
            summary.duplicates.add((line, self.seen[digest]))
        else:
            self.seen[digest] = line

    def _length(self, summary: Summary, line: int, tokens: int) -> None:
        summary.longest = max(summary.longest, tokens)
        if self.max_length is not None and tokens > self.max_length:
            summary.too_long.add((line, tokens))


def _digest(data: str | bytes) -> bytes:
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data, digest_size=16).digest()


__all__ = ["Checks", "PiiMatch", "Summary", "summarise"]
