"""The decision log through its git history, in time linear in the number of commits.

`decisions.immutable` needs, for every entry id, the first commit whose log held it and the entry's text then.
Parsing every version whole costs the sum of their sizes (quadratic in a log that grows by one entry per
commit). Here each version is parsed on from where the previous one's parse stood before its last line, when
the new version starts with the old one (the log grew by appending); a version that rewrote earlier text is
parsed whole. What each step added is cached by the pair of blob ids, in memory for the process (so `review`
shares it between its two ends) and in ``.ftspec/cache/decision-log.json``, so a later check reads no text
at all for the history it has already seen.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec import git
from ftspec.cache import CACHED
from ftspec.decisions import LogEntry, ParseState
from ftspec.paths import stamp

CACHE_FILE = Path(".ftspec") / "cache" / "decision-log.json"
FORMAT = 1
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
_SHARED: list[Path] = []  # the project whose cache a `review` lends to its temporary worktrees


@dataclass
class Parsed:
    """A version of the log, with the parser's state before its last line (where an append picks up)."""

    text: str
    offset: int
    state: ParseState
    tail: frozenset[str] = frozenset()  # ids of the entries closed from ``state`` on


def step(previous: Parsed | None, text: str) -> tuple[list[LogEntry], Parsed]:
    """The entries of ``text`` whose ids the previous version did not hold (the entries :func:`parse_log`
    gives after those the previous version's parse closed before its last line, less the ids it closed from
    there), and where this version's parse stands."""
    seen: frozenset[str] = frozenset()
    if previous is not None and text.startswith(previous.text):
        state, start, seen = previous.state.copy(), previous.offset, previous.tail
    else:
        state, start = ParseState(), 0
    lines = text[start:].splitlines()
    entries: list[LogEntry] = []
    state.feed(lines[:-1], entries)
    snapshot, closed = state.copy(), len(entries)
    state.feed(lines[-1:], entries)
    state.finish(entries)
    offset = len(text) - len(lines[-1]) - _terminator(text) if lines else start
    parsed = Parsed(text, offset, snapshot, frozenset(e.key for e in entries[closed:]))
    # The previous version already gave an entry to these ids: the fold keeps the first, so drop them here.
    return [e for e in entries if e.key not in seen], parsed


def _terminator(text: str) -> int:
    if text.endswith("\r\n"):
        return 2
    return 1 if text and text[-1] in _LINE_BREAKS else 0


def first_entries(tree: Path, path: str, project: Path) -> dict[str, tuple[str, LogEntry]]:
    """For each entry id (upper-cased): the first commit of HEAD's history whose ``path`` holds it, and the
    entry as it was then (``path`` relative to the work tree ``tree``; the cache lives in ``project``)."""
    found = git.path_blob_sizes(tree, path)
    if not found:  # before the first commit, or a log never committed
        return {}
    versions = [(sha, blob) for sha, blob, _ in found]
    sizes = {blob: size for _, blob, size in found}
    blobs = [blob for _, blob in versions]
    owner = _SHARED[-1] if _SHARED else project
    # --no-cache, or a gate run outside a check: parse the whole history afresh and write nothing.
    cached = owner.resolve() in CACHED
    memo = _memo(owner) if cached else Memo(owner / CACHE_FILE, _parser_key(), persist=False)
    steps = list(zip(["", *blobs[:-1]], blobs, strict=True))
    missing = [(a, b) for a, b in steps if a != b and f"{a}:{b}" not in memo.pairs]
    _compute(tree, memo, missing, sizes, blobs[-1])
    first: dict[str, tuple[str, LogEntry]] = {}
    for (sha, _), (a, b) in zip(versions, steps, strict=True):
        if a == b:
            continue
        memo.used.add(f"{a}:{b}")
        for entry in memo.pairs[f"{a}:{b}"]:
            first.setdefault(entry.key, (sha, entry))
    memo.save()
    return first


def _compute(tree: Path, memo: Memo, missing: list[tuple[str, str]], sizes: dict[str, int], newest: str) -> None:
    """Parse the steps the cache lacks, reading each text once (see :func:`_texts`)."""
    wanted: list[str] = []
    have = ""
    for a, b in missing:
        if a and a != have:
            wanted.append(a)  # a step after a cached one: parse the version it starts from
        wanted.append(b)
        have = b
    texts = _texts(tree, wanted, sizes, newest)
    parsed: Parsed | None = None
    have = ""
    for a, b in missing:
        if not a:
            parsed = None
        elif a != have:
            parsed = step(None, next(texts))[1]
        entries, parsed = step(parsed, next(texts))
        memo.add(f"{a}:{b}", entries)
        have = b


def _texts(tree: Path, wanted: list[str], sizes: dict[str, int], newest: str) -> Iterator[str]:
    """The text of each wanted version, in order.

    A log that grows by appending holds each earlier version as the start of its newest one. Such a version is
    cut from the newest, its bytes proven by the id git would give the cut, so git inflates one version instead
    of every one (their sizes add up with the square of the history's length); any other version is read from
    git, in one process."""
    if not wanted:
        return
    with contextlib.closing(git.blob_data(tree, [newest])) as newest_only:
        final = memoryview(next(newest_only)[1])
    cut = {blob for blob in dict.fromkeys(wanted)
           if sizes.get(blob, -1) <= len(final) and git.blob_id(final[:sizes[blob]], blob) == blob}
    with contextlib.closing(git.blob_data(tree, [blob for blob in wanted if blob not in cut])) as read:
        for blob in wanted:
            yield str(final[:sizes[blob]] if blob in cut else next(read)[1], "utf-8", "replace")


@dataclass
class Memo:
    """What each step of the log's history added, by ``<old blob>:<new blob>`` ("" before the first)."""

    path: Path
    key: str
    pairs: dict[str, list[LogEntry]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    dirty: bool = False
    persist: bool = True

    def add(self, pair: str, entries: list[LogEntry]) -> None:
        self.pairs[pair] = entries
        self.dirty = True

    def save(self) -> None:
        """Write atomically what the folds of this process used (a branch left behind ages out); a read-only
        checkout simply goes uncached."""
        if not (self.dirty and self.persist) or os.environ.get("FTSPEC_NO_CACHE", "") not in ("", "0"):
            return
        keep = {pair: self.pairs[pair] for pair in sorted(self.used) if pair in self.pairs}
        payload = {"format": FORMAT, "parser": self.key,
                   "pairs": {pair: [_dump(e) for e in entries] for pair, entries in keep.items()}}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".decision-log-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(payload))  # dumps encodes in C; dump() iterates in Python
            os.replace(tmp, self.path)
            self.dirty = False


_MEMOS: dict[Path, Memo] = {}


def _memo(project: Path) -> Memo:
    """One memo per project per process, read from its cache file when the parser is the same."""
    path = (project / CACHE_FILE).resolve()
    key = _parser_key()
    memo = _MEMOS.get(path)
    if memo is None or memo.key != key:
        memo = _MEMOS[path] = Memo(path, key, _read(path, key))
    return memo


def _parser_key() -> str:
    """The cached steps hold only while the parser (and this module) are unchanged."""
    import ftspec.decisions

    return stamp(Path(ftspec.decisions.__file__)) + "/" + stamp(Path(__file__))


def _read(path: Path, key: str) -> dict[str, list[LogEntry]]:
    if os.environ.get("FTSPEC_NO_CACHE", "") not in ("", "0"):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("parser") != key:
            return {}
        return {pair: [_load(e) for e in entries] for pair, entries in data["pairs"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _dump(entry: LogEntry) -> list[Any]:
    return [entry.id, entry.title, entry.line, entry.text, entry.fields]


def _load(row: list[Any]) -> LogEntry:
    entry_id, title, line, text, fields = row
    return LogEntry(str(entry_id), str(title), int(line), str(text), {str(k): str(v) for k, v in fields.items()})


@contextlib.contextmanager
def shared_cache(project: Path) -> Iterator[None]:
    """Checks run in temporary worktrees (`review`) use ``project``'s history cache instead of their own."""
    _SHARED.append(project)
    added = project.resolve() not in CACHED
    CACHED.add(project.resolve())
    try:
        yield
    finally:
        _SHARED.pop()
        if added:
            CACHED.discard(project.resolve())
