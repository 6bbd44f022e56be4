"""The per-message checks of the one-pass summary: PII, duplicates, token length, reply length ratio,
generation artifacts and language, each computed once per distinct message of a pass."""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ftspec.data.artifacts import plain_words
from ftspec.data.contamination import normalise
from ftspec.data.pii import Allowlist, PiiMatch, find_pii, may_hold_pii
from ftspec.data.records import ROLES, content_text, record_text
from ftspec.data.tokens import TokenCounter, approximate_tokens

if TYPE_CHECKING:
    from ftspec.data.summary import Checks, Summary

RATIO_BINS = (1.0, 1.5, 2.0, 3.0)  # reply/user word ratio bin edges: <1, 1-1.5 (the method's target), 1.5-2, 2-3, 3+
MEMO_LIMIT = 400_000  # distinct messages remembered: bounded memory on a corpus of any size
# Records whose new messages are judged together: at most this many, holding at most this much message text
# (the records are held while their messages are judged; a batch of texts makes a few copies of them).
BATCH_ROWS = 256
BATCH_CHARS = 8 << 20
KNOWN_ROLES = frozenset(ROLES)
Row = tuple[int, dict[str, Any]]  # (line, record)
# (line, record, the memo key of each of its messages, the last record's messages when this one begins with
# all of them: see Fold)
Visited = tuple[int, dict[str, Any], list[int], "list[Any] | None"]


class Message(NamedTuple):
    """What the checks found in one message; computed once per distinct message of a pass."""

    words: int
    chars: int
    artifact: tuple[str, str] | None
    foreign: str | None
    pii: tuple[PiiMatch, ...]
    digest: bytes  # of its normalised text (duplicates)


@dataclass
class Fold:
    """A record's verdicts, folded message by message: where the next slice of the same transcript resumes.

    :meth:`Turns.batches` says which records begin with all of the last record's messages; it compares them
    (``==``) only when those are dicts of str role and content, where ``==`` is exact (``1 == True``). ``pii``,
    ``artifacts`` and ``bins`` are what the record adds to the summary (under its own line), kept to be added
    again for the next slice.
    """

    messages: list[Any]
    well_formed: bool = True
    digests: list[bytes] = field(default_factory=list)
    sums: list[int] = field(default_factory=lambda: [0] * 6)  # words, chars, parts, pairs, over, judged
    languages: dict[str, int] = field(default_factory=dict)
    pii: list[PiiMatch] = field(default_factory=list)
    artifacts: list[tuple[Any, ...]] = field(default_factory=list)  # (index, role, kind, text)
    bins: list[int] = field(default_factory=lambda: [0] * (len(RATIO_BINS) + 1))
    last: tuple[str, int, str] = ("", 0, "")  # the last message's role and words; the last user/assistant


class Turns:
    """Every check that reads messages.

    Sliced data repeats each conversation's messages in every slice (a 40-exchange transcript sliced five times
    holds each early message five times), so a message's verdicts are computed once and remembered by (role,
    text hash) for the rest of the pass; a record's verdicts are then sums and joins of its messages'. Each
    record's digest (duplicates) is kept in order with its line, to be compared across the ranges of a file.
    A slice that begins with the whole previous record (as the split stage writes a transcript's slices, each
    one longer) resumes from that record's fold and visits only its new messages.
    """

    def __init__(self, checks: Checks, counter: TokenCounter, max_length: int | None) -> None:
        from ftspec.data.artifacts import ArtifactFinder
        from ftspec.data.language import LanguageCheck
        from ftspec.data.tokens import Approximate

        self.checks, self.counter, self.max_length = checks, counter, max_length
        self.approximate = isinstance(counter, Approximate)
        self.artifacts = ArtifactFinder(dict(checks.artifacts), checks.ignore_artifacts)
        self.artifact_roles = frozenset(checks.artifact_roles)
        self.language = LanguageCheck(checks.languages, checks.min_words)
        self.allow = Allowlist(checks.pii_allow)
        self.memo: dict[int, Message] = {}
        self.lines = array("q")  # each record's line ...
        self.digests = bytearray()  # ... and its 16-byte digest, in file order
        self.fold: Fold | None = None  # the last record's

    def message(self, role: str, text: str) -> Message:
        key = hash((role, text))
        found = self.memo.get(key)
        if found is None:
            found = self._judge(role, text)
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            self.memo[key] = found
        return found

    def batches(self, rows: Iterable[Row]) -> Iterator[list[Visited]]:
        """The records in consecutive batches (BATCH_ROWS, or fewer holding BATCH_CHARS of message text), each
        with the distinct messages the memo lacked judged together: the ASCII ones by ftspec.data.message_batch.
        Each record comes with its messages' memo keys, so :meth:`record` finds every verdict remembered without
        reading and hashing the messages again."""
        batch: list[Visited] = []
        keys: dict[int, tuple[str, str]] = {}
        size = 0
        last: Visited | None = None  # the last record, when its messages are dicts of str role and content
        last_size = 0
        for line, row in rows:
            messages = row.get("messages")
            if last is not None and _begins_with(messages, last[1]["messages"]):
                after, hashes = last[1]["messages"], last[2].copy()  # the last record's messages: keys known
                new, plain = _new_messages(messages, self.memo, keys, hashes, len(hashes))
                new += last_size
            else:
                after, hashes = None, []
                new, plain = _new_messages(messages, self.memo, keys, hashes, 0)
            visited = (line, row, hashes, after)
            last, last_size = (visited, new) if plain else (None, 0)
            size += new
            batch.append(visited)
            if len(batch) >= BATCH_ROWS or size >= BATCH_CHARS:
                self._judge_all(batch, keys)
                yield batch
                batch, keys, size = [], {}, 0
        if batch:
            self._judge_all(batch, keys)
            yield batch

    def _judge_all(self, batch: list[Visited], keys: dict[int, tuple[str, str]]) -> None:
        if len(self.memo) + len(keys) > MEMO_LIMIT:
            self.memo.clear()
            keys = {}
            for _line, row, _hashes, _after in batch:
                _new_messages(row.get("messages"), self.memo, keys, [], 0)
        plain = [key for key in keys.values() if key[1].isascii()]
        for part in _parts(plain, BATCH_CHARS):
            found = _batch_judge(self, part)
            if found is not None:
                self.memo.update(zip(map(hash, part), found, strict=True))
        for key, (role, text) in keys.items():
            if key not in self.memo:
                self.memo[key] = self._judge(role, text)

    def pii(self, text: str) -> tuple[PiiMatch, ...]:
        return tuple(find_pii(text, self.allow))

    def _judge(self, role: str, text: str) -> Message:
        lower = text.lower()
        words = plain_words(lower)  # for duplicates (normalised text), artifact triggers and language
        return Message(
            len(text.split()),
            len(text),
            self.artifacts.find(text, lower, words) if role in self.artifact_roles else None,
            self.language.foreign(text, words) if role == "assistant" else None,
            self.pii(text) if may_hold_pii(text) else (),
            _digest(" ".join(words)),
        )

    def record(
        self, summary: Summary, line: int, row: dict[str, Any], keys: list[int] | None = None,
        after: list[Any] | None = None,
    ) -> bool:
        """Add one record's verdicts; True when its `messages` are well formed (roles known and alternating,
        none empty, ending on the assistant), so the exact format check can be skipped. ``keys`` and ``after``
        as :meth:`batches` gives them: its messages' memo keys, and the messages of the last record when this
        one begins with all of them (it then resumes that record's fold, if it was the last one recorded)."""
        messages = row.get("messages")
        if not isinstance(messages, list):
            self._plain(summary, line, row)
            return False
        resumes = after is not None and self.fold is not None and self.fold.messages is after
        fold = self.fold if resumes and self.fold is not None else Fold([], bool(messages))
        self.fold = self._fold(fold, messages, keys)
        for match in fold.pii:
            summary.pii.add((line, match))
        for found in fold.artifacts:
            summary.artifacts.add((line, *found))
        for at, count in enumerate(fold.bins):
            summary.ratio_bins[at] += count
        words, chars, parts, pairs, over, judged = fold.sums
        self._record_verdicts(summary, line, (pairs, over, judged), fold.languages)
        if fold.digests:  # a record without a word says nothing to repeat (data.format names it)
            self._add_record(line, _digest(b"".join(fold.digests)))
        if self.max_length is not None:
            if self.approximate:  # the Approximate formula over the joined text, from the messages' sums
                tokens = approximate_tokens(words, chars + max(parts - 1, 0), len(messages))
            else:
                tokens = self.counter.count(row)
            self._length(summary, line, tokens)
        return fold.well_formed and _ends_on_assistant(messages)

    def _fold(self, fold: Fold, messages: list[Any], keys: list[int] | None) -> Fold:
        """``fold`` carried on over the messages it has not seen (all of them for a fresh one)."""
        limit, min_words, memo = self.checks.ratio_limit, self.checks.min_words, self.memo
        digests, languages, pii_found, artifacts = fold.digests, fold.languages, fold.pii, fold.artifacts
        bins = fold.bins
        words, chars, parts, pairs, over, judged = fold.sums
        well_formed = fold.well_formed
        before, before_words, turn = fold.last  # the previous message's role and words; the last user/assistant
        for index in range(len(fold.messages), len(messages)):
            message = messages[index]
            if type(message) is not dict:  # JSON and table rows are dicts; an ABC check costs 5x more
                well_formed = False
                if not isinstance(message, dict):
                    continue
            raw = message.get("role")
            role = raw if type(raw) is str else str(raw)
            found = memo.get(keys[index]) if keys else None
            if found is None:
                content = message.get("content")
                found = self.message(role, content if type(content) is str else content_text(content))
            n, size, artifact, foreign, pii, digest = found
            parts += 1
            words, chars = words + n, chars + size
            if n:
                digests.append(digest)
            elif not message.get("tool_calls"):
                well_formed = False
            if pii:
                pii_found.extend(pii)
            if artifact:
                artifacts.append((index, role, *artifact))
            if role == "assistant":
                judged += foreign is not None or n > min_words
                if foreign:
                    languages[foreign] = languages.get(foreign, 0) + 1
                if before == "user":
                    ratio = n / (before_words or 1)
                    bins[bisect.bisect_right(RATIO_BINS, ratio)] += 1
                    pairs += 1
                    over += ratio > limit
            if well_formed:
                well_formed = _in_turn(raw, index, turn)
            if role in ("user", "assistant"):
                turn = role
            before, before_words = role, n
        fold.messages, fold.well_formed = messages, well_formed
        fold.sums, fold.last = [words, chars, parts, pairs, over, judged], (before, before_words, turn)
        return fold

    def _record_verdicts(
        self, summary: Summary, line: int, counts: tuple[int, int, int], languages: dict[str, int]
    ) -> None:
        pairs, over, judged = counts
        summary.ratio_over += over
        if pairs and over > self.checks.ratio_share * pairs:
            summary.long_replies.add((line, over, pairs))
        off = sum(languages.values())
        if judged and off > judged / 2:
            summary.foreign.add((line, max(languages, key=languages.__getitem__), off, judged))

    def _plain(self, summary: Summary, line: int, row: dict[str, Any]) -> None:
        """A prompt/completion or preference row: one text, no turns."""
        text = record_text(row)
        for match in find_pii(text, self.allow):
            summary.pii.add((line, match))
        plain = normalise(text)
        if plain:  # a record without a word says nothing to repeat (data.format names it)
            self._add_record(line, _digest(plain))
        if self.max_length is not None:
            self._length(summary, line, self.counter.count(row))

    def _add_record(self, line: int, digest: bytes) -> None:
        self.lines.append(line)
        self.digests += digest

    def _length(self, summary: Summary, line: int, tokens: int) -> None:
        summary.longest = max(summary.longest, tokens)
        if self.max_length is not None and tokens > self.max_length:
            summary.too_long.add((line, tokens))


def _new_messages(
    messages: Any, memo: dict[int, Message], found: dict[int, tuple[str, str]], hashes: list[int], start: int
) -> tuple[int, bool]:
    """Add (role, text) of the record's messages from ``start`` on that the memo lacks to ``found``, by their
    memo key, as :meth:`Turns.record` reads them, and each message's key to ``hashes`` (0 for one that is not a
    dict); the characters of those messages' texts, and whether they are all dicts of str role and content."""
    size, plain = 0, True
    for message in messages[start:] if isinstance(messages, list) else ():
        if isinstance(message, dict):
            raw, content = message.get("role"), message.get("content")
            plain = plain and type(message) is dict and type(raw) is str and type(content) is str
            text = content if type(content) is str else content_text(content)
            key = (raw if type(raw) is str else str(raw), text)
            size += len(text)
            hashes.append(number := hash(key))
            if number not in memo:
                found[number] = key
        else:
            hashes.append(0)
            plain = False
    return size, plain and isinstance(messages, list)


def _begins_with(messages: Any, first: list[Any]) -> bool:
    """``messages`` is a list that begins with every one of ``first`` (a later slice of the transcript, or the
    same); exact when ``first`` holds dicts of str role and content (``==`` finds 1 equal to True)."""
    count = len(first)
    return type(messages) is list and 0 < count <= len(messages) and messages[:count] == first


def _parts(keys: list[tuple[str, str]], chars: int) -> Iterator[list[tuple[str, str]]]:
    """Consecutive parts of the messages, each of about ``chars`` characters of text at most (or one message)."""
    part: list[tuple[str, str]] = []
    size = 0
    for key in keys:
        if part and size + len(key[1]) > chars:
            yield part
            part, size = [], 0
        part.append(key)
        size += len(key[1])
    if part:
        yield part


def _batch_judge(turns: Turns, keys: list[tuple[str, str]]) -> list[Message] | None:
    from ftspec.data.message_batch import ascii_messages

    return ascii_messages(turns, keys)


def _in_turn(role: Any, index: int, turn: str) -> bool:
    """A known role in its place: a system message only first, user and assistant alternating (tools anywhere);
    the conditions of ftspec.data.formats.message_problems, checked here without building its messages."""
    if type(role) is not str or role not in KNOWN_ROLES:
        return False
    if role == "system":
        return index == 0
    return role == "tool" or role != turn


def _ends_on_assistant(messages: list[Any]) -> bool:
    last = messages[-1]
    return isinstance(last, dict) and last.get("role") == "assistant"


def _digest(data: str | bytes) -> bytes:
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data, digest_size=16).digest()
