"""Train/eval contamination: exact duplicates after normalisation and word n-gram overlap (13 by default).

The method of GPT-3 (Brown et al. 2020, appendix C) and lm-eval-harness's decontamination: lower-case, keep
runs of letters and digits as words, and call a training record contaminated when it shares an n-word sequence
with an eval record. The eval side (the references) is indexed in memory as a sorted array of 64-bit n-gram
hashes that carry their record in the low bits, plus two bit tables (about 11 bytes per eval word in all), and
its texts; the train side is streamed in batches (over several processes for a large file), so
memory is bounded by the eval side however large the training set is. Every hash match is verified against the
real words before it is reported.

What is compared is :class:`ftspec.data.comparison.Comparison` (ftspec.yaml `data.contamination`): the messages
of some roles, without the text most records of a side share (removed from the index before the scan, so it
never nominates a pair). :func:`check` is the one entry point of the gate, `ftspec contamination` and the split
stage; it streams hits into a :class:`Report` that keeps a capped list and exact counts.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftspec.data.batches import Batch, jsonl_batches, record_batches
from ftspec.data.comparison import Comparison, LeftOut
from ftspec.data.contamination_parallel import scan_into
from ftspec.data.contamination_report import Flagged, Hit, Report
from ftspec.data.records import Record

__all__ = [
    "ContaminationIndex", "Flagged", "Hit", "Record", "Report", "check", "file_batches",
    "file_records", "normalise", "scan_file", "scan_into",
]

WORD = re.compile(r"[^\W_]+")
MAX_OVERLAP_CHARS = 300
L2_BITS = 23  # a bit table of 2**23 bits is 1 MB
REMIX = 0xD6E8FEB86659FD93  # odd: multiplying by it brings lower bits of a hash into the top ones


def normalise(text: str) -> str:
    """Lower-case words (runs of letters and digits) joined by single spaces."""
    return " ".join(WORD.findall(text.lower()))



class ContaminationIndex:
    """The reference side (eval set, calibration examples) as sorted n-gram hashes; scan() streams train.

    Built in two passes over the references: the first finds the shared text (messages and word sequences
    in at least ``shared_share`` of the references, or of a sample of the training side), the second indexes
    what is left. Shared word sequences are removed from the index, so they never nominate a pair.
    """

    def __init__(
        self, references: Iterable[Record], n: int = 13, comparison: Comparison | None = None
    ) -> None:
        self.build(record_batches(references), comparison or Comparison.exhaustive(n), [])

    @classmethod
    def from_batches(
        cls,
        batches: Iterable[Batch],
        n: int = 13,
        comparison: Comparison | None = None,
        sample: Iterable[Batch] = (),
        sample_side: str = "training",
    ) -> ContaminationIndex:
        """An index over already batched references (e.g. :func:`file_batches` of an eval file); shared text
        is also looked for in ``sample`` (batches of the training side)."""
        index = cls.__new__(cls)
        index.build(batches, comparison or Comparison.exhaustive(n), list(sample), sample_side)
        return index

    def build(
        self, batches: Iterable[Batch], comparison: Comparison, sample: list[Batch], sample_side: str = "training"
    ) -> None:
        import numpy as np

        from ftspec.data.ngrams import anchors, word_hashes

        if comparison.ngram < 1:
            raise ValueError("n must be at least 1")
        self.comparison, self.n = comparison, comparison.ngram
        self.m, self.step = anchors(self.n)
        self.batches = list(batches)
        self.bases = [0, *np.cumsum([len(b) for b in self.batches]).tolist()][:-1] if self.batches else []
        self.size = sum(len(b) for b in self.batches)
        self._normalised: dict[int, tuple[str, Any]] = {}
        self._roles = np.array(comparison.role_codes(), np.int8)
        self.left_out: list[LeftOut] = []
        self.shared_messages = np.zeros(0, np.uint64)
        self.shared_grams = np.zeros(0, np.uint64)
        self.owner_bits = max(1, (self.size - 1).bit_length())
        refs = [(b, word_hashes(b.texts)) for b in self.batches]
        found = [(b, word_hashes(b.texts)) for b in sample]
        self.shared_messages = np.union1d(
            self._shared_messages(refs, "eval"), self._shared_messages(found, sample_side)
        )
        grams, owners, exact_rows, exact_hashes = [], [], [], []
        for base, (batch, seg_words) in zip(self.bases, refs, strict=True):
            words = self.compared(batch, seg_words)
            g, starts, records = _windows(words, self.m)
            grams.append(g[starts])
            owners.append(records + base)
            rows, hashes = short_text_hashes(words, self.n)
            exact_rows.append(rows + base)
            exact_hashes.append(hashes)
        self.keys, self.owner_bits = _keys(np, grams, owners, self.size)
        self.exact_hashes, self.exact_owners = _sorted(np, exact_hashes, exact_rows)
        self._remove_shared_grams(np, found, sample_side)
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

    def compared(self, batch: Batch, seg_words: Any = None) -> Any:
        """The words of each record that are compared (sets ``batch.keep``): the segments of the configured
        roles that are not shared messages."""
        import numpy as np

        from ftspec.data.ngrams import Words, word_hashes

        seg_words = word_hashes(batch.texts) if seg_words is None else seg_words
        keep = self._role_mask(batch)
        if len(self.shared_messages):
            keep &= ~np.isin(segment_hashes(seg_words), self.shared_messages)
        if keep.all():
            batch.keep = None
            return Words(seg_words.hashes, seg_words.first[batch.segments])
        batch.keep = keep
        counts = np.diff(seg_words.first) * keep
        first = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=first[1:])
        return Words(seg_words.hashes[np.repeat(keep, np.diff(seg_words.first))], first[batch.segments])

    def _role_mask(self, batch: Batch) -> Any:
        import numpy as np

        if batch.roles is None:
            return np.ones(len(batch.texts), np.bool_)
        return np.isin(batch.roles, self._roles) | (batch.roles < 0)

    def _shared_messages(self, parts: list[tuple[Batch, Any]], side: str) -> Any:
        """Hashes of the messages in at least the shared share of these batches' records."""
        import numpy as np

        total = sum(len(b) for b, _ in parts)
        need = self.comparison.threshold(total)
        if need is None or not parts:
            return np.zeros(0, np.uint64)
        hashes, owners, base = [], [], 0
        for batch, words in parts:
            h = segment_hashes(words)
            ok = self._role_mask(batch) & (h != 0)
            hashes.append(h[ok])
            owners.append(np.repeat(np.arange(len(batch)) + base, np.diff(batch.segments))[ok])
            base += len(batch)
        shared, counts = _shared(np, np.concatenate(hashes), np.concatenate(owners), need)
        if len(shared):
            example = _segment_text(parts, shared[0])
            self.left_out.append(LeftOut("message", len(shared), side, int(counts.max()), total, example))
        return shared

    def _remove_shared_grams(self, np: Any, sample: list[tuple[Batch, Any]], side: str) -> None:
        """Drop the indexed m-grams that most references (or most sampled training records) hold."""
        bits = np.uint64(self.owner_bits)
        indexed = self.keys >> bits  # sorted, as the keys are
        shared = [np.zeros(0, np.uint64)]
        need = self.comparison.threshold(self.size)
        if need is not None and len(self.keys):
            distinct = np.r_[True, self.keys[1:] != self.keys[:-1]]  # one per (m-gram, reference)
            grams, counts = _runs(np, indexed[distinct], need)
            shared.append(grams)
            self._note_grams(np, grams, counts, "eval", self.size)
        total = sum(len(b) for b, _ in sample)
        need = self.comparison.threshold(total)
        if need is not None and len(indexed):
            # A bit table lets through the few sampled m-grams that may be indexed before the binary search (the
            # search of every one, cache miss after cache miss, took 0.07 CPU-s for the benchmark's 4 MB sample).
            near = BitTable.of(np, indexed << bits, _table_bits(len(indexed)), REMIX)
            prefixes, owners, base = [], [], 0
            for batch, seg_words in sample:
                g, starts, records = _windows(self.compared(batch, seg_words), self.m)
                g = g[starts] >> bits
                maybe = near.holds(np, g << bits)
                at = np.minimum(np.searchsorted(indexed, g[maybe]), len(indexed) - 1)
                known = maybe[indexed[at] == g[maybe]]  # only the m-grams that could match matter
                prefixes.append(g[known])
                owners.append(records[known] + base)
                base += len(batch)
            grams, counts = _shared(np, np.concatenate(prefixes), np.concatenate(owners), need)
            shared.append(grams)
            self._note_grams(np, grams, counts, side, total)
        self.shared_grams = np.unique(np.concatenate(shared))
        if len(self.shared_grams):
            self.keys = self.keys[~np.isin(indexed, self.shared_grams)]

    def _note_grams(self, np: Any, grams: Any, counts: Any, side: str, total: int) -> None:
        if not len(grams):
            return
        self.shared_grams = grams  # for the example's mask only
        example = ""
        for ref in range(min(self.size, 64)):
            text = self.record(ref).text
            example = _longest_masked(normalise(text).split(), self._mask(text))
            if example:
                break
        self.left_out.append(LeftOut("sequence", len(grams), side, int(counts.max()), total, example))

    def record(self, ref: int) -> Record:
        """The reference record with this index (its compared text)."""
        at = bisect.bisect_right(self.bases, ref) - 1
        return self.batches[at].record(ref - self.bases[at])

    def _words(self, ref: int, masked: bool = True) -> list[str]:
        """The reference's normalised words (``masked``: those inside shared sequences hidden). The text is
        cached as one string (a list of words would take ten times the memory)."""
        if ref not in self._normalised:
            text = self.record(ref).text
            mask = self._mask(text)
            self._normalised[ref] = (normalise(text), mask if mask is not None and mask.any() else None)
        plain, mask = self._normalised[ref]
        words = plain.split()
        if not masked or mask is None or len(mask) != len(words):
            return words
        return [f"\x00r{i}" if hide else w for i, (w, hide) in enumerate(zip(words, mask.tolist(), strict=True))]

    def _mask(self, text: str) -> Any:
        """Which words of the text lie inside a shared word sequence (None: none can)."""
        import numpy as np

        from ftspec.data.batches import string_array
        from ftspec.data.ngrams import ngram_hashes, word_hashes

        if not len(self.shared_grams):
            return None
        hashes = word_hashes(string_array([text])).hashes
        grams = ngram_hashes(hashes, self.m) >> np.uint64(self.owner_bits)
        starts = np.flatnonzero(np.isin(grams, self.shared_grams))
        cover = np.zeros(len(hashes) + 1, np.int64)
        np.add.at(cover, starts, 1)
        np.add.at(cover, starts + self.m, -1)
        return np.cumsum(cover[:-1]) > 0

    def _masked_words(self, text: str, words: list[str], tag: str = "r") -> list[str]:
        """The normalised words, those inside shared sequences replaced by tokens that match nothing."""
        mask = self._mask(text)
        if mask is None or len(mask) != len(words) or not mask.any():
            return words
        hidden = mask.tolist()
        return [f"\x00{tag}{i}" if hide else w for i, (w, hide) in enumerate(zip(words, hidden, strict=True))]

    def scan(self, train: Iterable[Record]) -> Iterator[Hit]:
        """Hits of the training records, one per (train record, reference record) pair, in train order."""
        for batch in record_batches(train):
            yield from self.scan_batch(batch)

    def scan_batch(self, batch: Batch) -> Iterator[Hit]:
        """Hits of one batch of training texts: per record, its exact copies first."""
        words = self.compared(batch)
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
        """Records too short for an n-gram that equal a reference (longer copies share n-grams, and are told
        apart as exact copies when verified)."""
        import numpy as np

        rows, hashes = short_text_hashes(words, self.n)
        if not len(rows) or not len(self.exact_hashes):
            return set()
        lo = np.searchsorted(self.exact_hashes, hashes, side="left")
        hi = np.searchsorted(self.exact_hashes, hashes, side="right")
        found = np.flatnonzero(hi > lo)
        return _pairs(rows[found], lo[found], hi[found], self.exact_owners, None)

    def _verify(self, train: Record, ref: int) -> Hit | None:
        """The hit if the texts really are equal or share an n-gram outside the shared text (rules out hash
        collisions)."""
        plain = normalise(train.text).split()
        other = _short(self.record(ref))
        if plain and plain == self._words(ref, masked=False):
            return Hit("exact", _short(train), other, _clip(" ".join(plain)))
        mine = self._masked_words(train.text, plain, "t") if len(self.shared_grams) else plain
        span = longest_shared_span(mine, self._words(ref), self.n)
        return Hit("ngram", _short(train), other, _clip(span)) if span else None


def segment_hashes(words: Any) -> Any:
    """A hash of each unit's whole word sequence (0 for a unit without words)."""
    return _text_hashes(words)


def short_text_hashes(words: Any, n: int) -> tuple[Any, Any]:
    from ftspec.data.ngrams import short_text_hashes as hashes

    return hashes(words, n)


def _text_hashes(words: Any) -> Any:
    """sum_k word[k] * P**(k+1) over each unit's words, mixed with its length (0 when it has none)."""
    import numpy as np

    from ftspec.data.ngrams import PRIME, _mix

    counts = np.diff(words.first)
    if not len(words.hashes):
        return np.zeros(len(counts), np.uint64)
    powers = np.multiply.accumulate(np.full(int(counts.max()), PRIME, np.uint64))
    # the position of each word inside its unit (words of a unit are consecutive from first[unit])
    units = np.flatnonzero(counts)
    position = np.arange(words.first[-1] - words.first[0], dtype=np.int64)
    position -= np.repeat(words.first[units] - words.first[0], counts[units])
    terms = words.hashes[words.first[0] : words.first[-1]] * powers[position]
    total = np.zeros(len(terms) + 1, np.uint64)
    np.cumsum(terms, out=total[1:])
    sums = total[words.first[1:] - words.first[0]] - total[words.first[:-1] - words.first[0]]
    sums ^= counts.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    out = _mix(sums)
    out[out == 0] = 1
    out[counts == 0] = 0
    return out


def _windows(words: Any, m: int) -> tuple[Any, Any, Any]:
    from ftspec.data.ngrams import windows

    return windows(words, m)


def _shared(np: Any, values: Any, owners: Any, need: int) -> tuple[Any, Any]:
    """The values held by at least ``need`` distinct owners, and how many hold each."""
    if not len(values):
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    order = np.lexsort((owners, values))
    values, owners = values[order], owners[order]
    new = np.r_[True, (values[1:] != values[:-1]) | (owners[1:] != owners[:-1])]
    return _runs(np, values[new], need)


def _runs(np: Any, values: Any, need: int) -> tuple[Any, Any]:
    """The values of a sorted array that occur at least ``need`` times, and how often each does."""
    if not len(values):
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    hit = counts >= need
    return values[starts[hit]], counts[hit]


def _segment_text(parts: list[tuple[Batch, Any]], wanted: Any) -> str:
    """The text of the first segment whose hash is ``wanted``."""
    import numpy as np

    for batch, words in parts:
        at = np.flatnonzero(segment_hashes(words) == wanted)
        if len(at):
            return str(batch.texts[int(at[0])].as_py() or "")
    return ""


def _longest_masked(words: list[str], mask: Any) -> str:
    """The longest run of masked words, as text."""
    if mask is None or len(mask) != len(words):
        return ""
    best, start = (0, 0), None
    for i, hidden in enumerate([*mask.tolist(), False]):
        if hidden and start is None:
            start = i
        elif not hidden and start is not None:
            best = max(best, (i - start, start))
            start = None
    length, at = best
    return " ".join(words[at : at + length])


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
    """A data file as batches (JSONL in Arrow-parsed chunks, other formats row by row), messages with roles."""
    from ftspec.data.batches import segment_batch
    from ftspec.data.loading import data_kind, iter_rows
    from ftspec.data.records import record_segments

    if data_kind(path) == "jsonl":
        yield from jsonl_batches(path, rel)
        return
    lines: list[int] = []
    records: list[list[tuple[str | None, str]]] = []
    for line, row in iter_rows(path, rel):
        lines.append(line)
        records.append(record_segments(row))
        if len(lines) >= 8192:
            yield segment_batch(rel, lines, records)
            lines, records = [], []
    if lines:
        yield segment_batch(rel, lines, records)


# Shared text on the training side is looked for in the whole file up to this size, else in SAMPLE_RANGES
# ranges of SAMPLE_BYTES / SAMPLE_RANGES spread over it: a text in half the records is in half of any sample.
SAMPLE_BYTES = 4 << 20
SAMPLE_RANGES = 16


def sample_batches(path: Path, rel: str) -> tuple[list[Batch], bool]:
    """Batches of a training file to look for shared text in, and whether they are the whole file."""
    from ftspec.data.loading import data_kind
    from ftspec.data.ranges import split_points

    if data_kind(path) != "jsonl" or path.stat().st_size <= SAMPLE_BYTES:
        return list(file_batches(path, rel)), True
    points = split_points(path, SAMPLE_RANGES)
    step = SAMPLE_BYTES // SAMPLE_RANGES
    batches = []
    for a, b in zip(points, points[1:], strict=False):
        if b > a:
            batches += list(jsonl_batches(path, rel, size=step, start=a, end=min(b, a + step)))
    return batches, False



def check(
    trains: list[tuple[Path, str]],
    references: Iterable[Batch],
    comparison: Comparison,
    workers: int | None = None,
    lines: bool = False,
) -> Report:
    """The one contamination check: the training files against the references, as ``comparison`` defines
    it (used by the gate, `ftspec contamination` and the split stage)."""
    from ftspec.data.comparison import describe_roles

    samples = [sample_batches(path, rel) for path, rel in trains]
    side = "training" if all(whole for _, whole in samples) else "sampled training"
    sample = [b for batches, _ in samples for b in batches]
    index = ContaminationIndex.from_batches(references, comparison=comparison, sample=sample, sample_side=side)
    del sample
    report = Report(lines=set() if lines else None, references=len(index))
    roles = describe_roles(comparison)
    report.left_out = [*([roles] if roles else []), *(x.describe() for x in index.left_out)]
    for (path, rel), (batches, whole) in zip(trains, samples, strict=True):
        if whole:  # read once already: scan what was read
            for batch in batches:
                for hit in index.scan_batch(batch):
                    report.add(hit)
        else:
            scan_into(index, path, rel, report, workers)
    report.close()
    return report


def scan_file(index: ContaminationIndex, path: Path, rel: str, workers: int | None = None) -> Iterator[Hit]:
    """Every hit of a training file, in order, in this process (tests and small files; the check streams
    hits into a Report with :func:`scan_into`)."""
    for batch in file_batches(path, rel):
        yield from index.scan_batch(batch)


def file_records(path: Path, rel: str) -> Iterator[Record]:
    """Every example of a data file as a Record."""
    from ftspec.data.loading import iter_rows
    from ftspec.data.records import record_text

    for line, row in iter_rows(path, rel):
        yield Record(rel, line, record_text(row))
