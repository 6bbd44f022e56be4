"""Train/eval contamination: exact duplicates after normalisation and word n-gram overlap (13 by default).

The method of GPT-3 (Brown et al. 2020, appendix C) and lm-eval-harness's decontamination: lower-case, keep
runs of letters and digits as words, and call a training record contaminated when it shares an n-word sequence
with an eval record. The eval side (the references) is indexed in memory as a sorted array of 64-bit n-gram
hashes that carry their record in the low bits, plus two bit tables (about 11 bytes per eval word in all), and
its texts; the train side is streamed in batches (over several processes for a large file), so
memory is bounded by the eval side however large the training set is. Every hash match is verified against the
real words before it is reported.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftspec.data.batches import Batch, jsonl_batches, record_batches
from ftspec.data.records import Record

if TYPE_CHECKING:
    pass

__all__ = ["ContaminationIndex", "Hit", "Record", "file_batches", "file_records", "normalise", "scan_file"]

WORD = re.compile(r"[^\W_]+")
MAX_OVERLAP_CHARS = 300
L2_BITS = 23  # a bit table of 2**23 bits is 1 MB
REMIX = 0xD6E8FEB86659FD93  # odd: multiplying by it brings lower bits of a hash into the top ones


def normalise(text: str) -> str:
    """Lower-case words (runs of letters and digits) joined by single spaces."""
    return " ".join(WORD.findall(text.lower()))


@dataclass(frozen=True)
class Hit:
    """A training record that overlaps an eval (or calibration) record."""

    kind: str  # "exact" | "ngram"
    train: Record
    other: Record
    overlap: str


class ContaminationIndex:
    """The reference side (eval set, calibration examples) as sorted n-gram hashes; scan() streams train."""

    def __init__(self, references: Iterable[Record], n: int = 13) -> None:
        self.build(record_batches(references), n)

    @classmethod
    def from_batches(cls, batches: Iterable[Batch], n: int = 13) -> ContaminationIndex:
        """An index over already batched references (e.g. :func:`file_batches` of an eval file)."""
        index = cls.__new__(cls)
        index.build(batches, n)
        return index

    def build(self, batches: Iterable[Batch], n: int) -> None:
        import numpy as np

        from ftspec.data.ngrams import anchors, short_text_hashes, windows, word_hashes

        if n < 1:
            raise ValueError("n must be at least 1")
        self.n = n
        self.m, self.step = anchors(n)
        self.batches: list[Batch] = []
        self.bases: list[int] = []
        self._normalised: dict[int, str] = {}
        grams, owners, short_rows, short_hashes = [], [], [], []
        total = 0
        for batch in batches:
            self.batches.append(batch)
            self.bases.append(total)
            words = word_hashes(batch.texts, batch.segments)
            g, starts, records = windows(words, self.m)
            grams.append(g[starts])
            owners.append(records + total)
            rows, hashes = short_text_hashes(words, n)
            short_rows.append(rows + total)
            short_hashes.append(hashes)
            total += len(batch)
        self.size = total
        self.keys, self.owner_bits = _keys(np, grams, owners, total)
        self.short_hashes, self.short_owners = _sorted(np, short_hashes, short_rows)
        hashes = self.keys >> np.uint64(self.owner_bits) << np.uint64(self.owner_bits)
        # Two bit tables reject non-matching train n-grams before the binary search: a small one (at most 1 MB,
        # the size of a core's L2 cache) over every anchor, then a larger one over other bits of the hash for
        # the ~13% that pass; together they let ~0.7% through, against ~3.7% for the 4 MB one alone.
        self.filters = (
            BitTable.of(np, hashes, min(L2_BITS, _table_bits(len(hashes))), 1),
            BitTable.of(np, hashes, _table_bits(len(hashes)), REMIX),
        )

    def __len__(self) -> int:
        return self.size

    def record(self, ref: int) -> Record:
        """The reference record with this index."""
        at = bisect.bisect_right(self.bases, ref) - 1
        return self.batches[at].record(ref - self.bases[at])

    def normalised(self, ref: int) -> str:
        if ref not in self._normalised:
            self._normalised[ref] = normalise(self.record(ref).text)
        return self._normalised[ref]

    def scan(self, train: Iterable[Record]) -> Iterator[Hit]:
        """Hits of the training records, one per (train record, reference record) pair, in train order."""
        for batch in record_batches(train):
            yield from self.scan_batch(batch)

    def scan_batch(self, batch: Batch) -> Iterator[Hit]:
        """Hits of one batch of training texts."""
        from ftspec.data.ngrams import word_hashes

        words = word_hashes(batch.texts, batch.segments)
        pairs = self._ngram_pairs(words) | self._exact_pairs(words)
        for row, ref in sorted(pairs):
            hit = self._verify(batch.record(row), ref)
            if hit is not None:
                yield hit

    def _ngram_pairs(self, words: Any) -> set[tuple[int, int]]:
        """(train row, reference) pairs whose n-gram hashes match (in their bits above the owner's)."""
        import numpy as np

        from ftspec.data.ngrams import inside, strided_hashes

        grams = strided_hashes(words.hashes, self.m, self.step)
        if not len(self.keys) or not len(grams):
            return set()
        mask = np.uint64((1 << self.owner_bits) - 1)
        grams &= ~mask  # the bits the keys hold (and the tables were built from)
        small, large = self.filters
        near = small.holds(np, grams)
        near = near[large.holds(np, grams[near])]
        prefixes = grams[near]
        lo = np.searchsorted(self.keys, prefixes, side="left")
        found = np.flatnonzero(self.keys[np.minimum(lo, len(self.keys) - 1)] & ~mask == prefixes)
        starts, lo = near[found] * self.step, lo[found]
        keep = inside(words, starts, self.m)
        hi = np.searchsorted(self.keys, prefixes[found][keep] | mask, side="right")
        return _pairs(words.record_of(starts[keep]), lo[keep], hi, self.keys, mask)

    def _exact_pairs(self, words: Any) -> set[tuple[int, int]]:
        """Records too short for an n-gram that equal a reference (longer ones share n-grams)."""
        import numpy as np

        from ftspec.data.ngrams import short_text_hashes

        rows, hashes = short_text_hashes(words, self.n)
        if not len(rows) or not len(self.short_hashes):
            return set()
        lo = np.searchsorted(self.short_hashes, hashes, side="left")
        hi = np.searchsorted(self.short_hashes, hashes, side="right")
        found = np.flatnonzero(hi > lo)
        return _pairs(rows[found], lo[found], hi[found], self.short_owners, None)

    def _verify(self, train: Record, ref: int) -> Hit | None:
        """The hit if the texts really are equal or share an n-gram (rules out hash collisions)."""
        mine, theirs = normalise(train.text), self.normalised(ref)
        other = _short(self.record(ref))
        if mine and mine == theirs:
            return Hit("exact", _short(train), other, _clip(mine))
        span = longest_shared_span(mine.split(), theirs.split(), self.n)
        return Hit("ngram", _short(train), other, _clip(span)) if span else None


def _sorted(np: Any, hashes: list[Any], owners: list[Any]) -> tuple[Any, Any]:
    """Hashes sorted, with the reference owning each."""
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    own = np.concatenate(owners) if owners else np.zeros(0, np.int64)
    order = np.argsort(flat)
    return flat[order], own[order]


def _keys(np: Any, hashes: list[Any], owners: list[Any], size: int) -> tuple[Any, int]:
    """The n-gram hashes with their low bits replaced by the owning reference, sorted; and how many bits that is.

    One sort of one array (4x faster than argsort and a gather, and half the memory). The hash keeps 64 minus
    the owner bits (over 40 for a million references): a collision costs one more verification, never a hit.
    """
    bits = max(1, (size - 1).bit_length())
    keys = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    keys >>= np.uint64(bits)
    keys <<= np.uint64(bits)
    if owners:
        keys |= np.concatenate(owners).astype(np.uint64)
    keys.sort()
    return keys, bits


def _table_bits(count: int) -> int:
    """log2 of the slots for ``count`` hashes: 16 slots per hash, so about 1 in 16 of other hashes hits a bit."""
    return max(16, int(count * 16).bit_length())


@dataclass(frozen=True)
class BitTable:
    """One bit for each value of the top ``bits`` bits of (hash * multiplier mod 2**64): set for the hashes."""

    table: Any
    shift: Any
    multiplier: Any
    bit: Any  # the mask of bit k of a table byte

    @classmethod
    def of(cls, np: Any, hashes: Any, bits: int, multiplier: int) -> BitTable:
        table = cls(None, np.uint64(64 - bits), np.uint64(multiplier), np.array([1 << k for k in range(8)], np.uint8))
        # A byte per slot, packed: 2x faster than np.bitwise_or.at on the packed bytes.
        flags = np.zeros(1 << bits, np.bool_)
        flags[table.slots(np, hashes)] = True
        return dataclasses.replace(table, table=np.packbits(flags, bitorder="little"))

    def slots(self, np: Any, hashes: Any) -> Any:
        mixed = hashes if self.multiplier == 1 else hashes * self.multiplier
        return (mixed >> self.shift).view(np.int64)  # below 2**63: the view is exact

    def holds(self, np: Any, hashes: Any) -> Any:
        """The positions of the hashes whose bit is set (all the indexed ones, and a few others)."""
        slot = self.slots(np, hashes)
        return np.flatnonzero(self.table[slot >> 3] & self.bit[slot & 7])


def _pairs(rows: Any, lo: Any, hi: Any, owners: Any, mask: Any) -> set[tuple[int, int]]:
    """(row, reference) for each row and the owners[lo:hi] it matched (their low bits under ``mask``)."""
    pairs: set[tuple[int, int]] = set()
    for row, a, b in zip(rows.tolist(), lo.tolist(), hi.tolist(), strict=True):
        refs = owners[a:b] if mask is None else owners[a:b] & mask
        pairs.update((row, ref) for ref in refs.tolist())
    return pairs


def longest_shared_span(mine: list[str], other: list[str], n: int) -> str:
    """The longest run of words (at least n) that both word lists contain, or ''.

    A shared n-gram lies in a streak of at least n words that all occur in the other list (and a run of them
    never leaves one), so only such streaks are walked, on both sides: in a contaminated record, mostly just
    the shared passage. Same result as comparing every n-gram (2.7x faster on the benchmark's planted records).
    """
    theirs = {tuple(other[i : i + n]) for a, b in _streaks(other, set(mine), n) for i in range(a, b - n + 1)}
    best = (0, 0)
    for a, b in _streaks(mine, set(other), n) if theirs else ():
        run = 0
        for i in range(a, b - n + 1):
            run = run + 1 if tuple(mine[i : i + n]) in theirs else 0
            if run > best[1]:
                best = (i - run + 1, run)
    start, length = best
    return " ".join(mine[start : start + length + n - 1]) if length else ""


def _streaks(words: list[str], vocabulary: set[str], n: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of at least n words that are all in the vocabulary."""
    known = bytes(word in vocabulary for word in words)
    return (streak.span() for streak in re.finditer(b"\x01{%d,}" % n, known))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OVERLAP_CHARS else text[: MAX_OVERLAP_CHARS - 3] + "..."


def _short(record: Record) -> Record:
    return Record(record.path, record.line, _clip(record.text))


def file_batches(path: Path, rel: str) -> Iterator[Batch]:
    """A data file as batches (JSONL in Arrow-parsed chunks, other formats row by row)."""
    from ftspec.data.loading import data_kind

    if data_kind(path) == "jsonl":
        yield from jsonl_batches(path, rel)
    else:
        yield from record_batches(file_records(path, rel))


def scan_file(index: ContaminationIndex, path: Path, rel: str, workers: int | None = None) -> Iterator[Hit]:
    """Stream a training file through the index; a large JSONL file is split over ``workers`` processes."""
    from ftspec.data.loading import data_kind

    workers = workers or default_workers()
    if workers > 1 and data_kind(path) == "jsonl" and path.stat().st_size >= PARALLEL_BYTES:
        yield from _parallel_scan(index, path, rel, workers)
        return
    for batch in file_batches(path, rel):
        yield from index.scan_batch(batch)


def default_workers() -> int:
    """The CPUs not already busy (by the 1-minute load average), at least 1.

    A worker on a core that another process keeps busy only adds fork and scheduling overhead: measured on a
    loaded 2-core machine, one process beat two.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, cpus - round(os.getloadavg()[0]) + 1))


# Below this size a second process costs more than it saves.
PARALLEL_BYTES = 32 << 20
# More ranges than processes, taken one at a time: a process slowed by a core that something else keeps busy
# takes fewer of them, instead of the others waiting for its half.
RANGES_PER_WORKER = 4


@dataclass(frozen=True)
class _Shared:
    """What forked workers inherit instead of having it pickled: the index, the ranges, the next range to take."""

    index: ContaminationIndex
    jobs: list[tuple[Path, str, int, int]]
    taken: Any  # a multiprocessing.Value("i"): how many ranges were handed out


_SHARED: _Shared | None = None


def _parallel_scan(index: ContaminationIndex, path: Path, rel: str, workers: int) -> Iterator[Hit]:
    """Scan byte ranges of a JSONL file in this and forked processes; lines are renumbered from each range's
    offset."""
    import multiprocessing

    from ftspec.data.batches import split_points

    global _SHARED
    context = multiprocessing.get_context("fork")
    points = split_points(path, workers * RANGES_PER_WORKER)
    jobs = [(path, rel, a, b) for a, b in zip(points, points[1:], strict=False) if b > a]
    _SHARED = _Shared(index, jobs, context.Value("i", 0))
    try:
        # This process takes ranges too while the forked workers do: one fork less, and no process waiting.
        with context.Pool(workers - 1) as pool:
            others = [pool.apply_async(_take_ranges) for _ in range(workers - 1)]
            done = dict(_take_ranges())
            for other in others:
                done.update(other.get())
    finally:
        _SHARED = None
    results = [done[i] for i in range(len(jobs))]
    offset = 0
    for hits, lines, error in results:
        if error is not None:
            from ftspec.data.loading import DataError

            rel_, line, message, fix = error
            raise DataError(rel_, line + offset, message, fix)
        for hit in hits:
            yield Hit(
                hit.kind,
                Record(hit.train.path, hit.train.line + offset, hit.train.text),
                hit.other,
                hit.overlap,
            )
        offset += lines


RangeResult = tuple[list[Hit], int, tuple[str, int, str, str] | None]


def _take_ranges() -> list[tuple[int, RangeResult]]:
    """(range number, its result) of each range this process took, until none is left."""
    assert _SHARED is not None
    results: list[tuple[int, RangeResult]] = []
    while True:
        with _SHARED.taken.get_lock():
            number = _SHARED.taken.value
            _SHARED.taken.value += 1
        if number >= len(_SHARED.jobs):
            return results
        results.append((number, _scan_range(_SHARED.jobs[number])))


def _scan_range(job: tuple[Path, str, int, int]) -> RangeResult:
    """(hits, number of lines, a malformed line's error) of one byte range; runs in a forked worker or in the
    process that forked them."""
    from ftspec.data.batches import jsonl_batches
    from ftspec.data.loading import DataError

    path, rel, start, end = job
    assert _SHARED is not None
    hits: list[Hit] = []
    try:
        lines = _scan_all(_SHARED.index, jsonl_batches(path, rel, start=start, end=end), hits)
    except DataError as exc:  # returned as plain values: the exception would not survive pickling
        return hits, 0, (exc.location.path, exc.location.line, exc.message, exc.fix)
    return hits, lines, None


def _scan_all(index: ContaminationIndex, batches: Generator[Batch, None, int], hits: list[Hit]) -> int:
    """Append the hits of every batch; the number of lines read, as the batches' generator returns it (the
    range is read once, not again to count its lines)."""
    while True:
        try:
            batch = next(batches)
        except StopIteration as done:
            return int(done.value)
        hits.extend(index.scan_batch(batch))


def file_records(path: Path, rel: str) -> Iterator[Record]:
    """Every example of a data file as a Record."""
    from ftspec.data.loading import iter_rows
    from ftspec.data.records import record_text

    for line, row in iter_rows(path, rel):
        yield Record(rel, line, record_text(row))
