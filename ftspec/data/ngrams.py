"""Vectorised word and n-gram hashing (numpy over Arrow string buffers): the contamination engine's kernels.

Words are the maximal runs of letters and digits of the lower-cased text, exactly as
:func:`ftspec.data.contamination.normalise` splits them. A batch's bytes are folded by whole-array numpy
operations (ASCII case folding, other ASCII to zero separators: :func:`fold`); records with non-ASCII text are
lower-cased and their non-alphanumeric characters replaced by Arrow's regex kernel first. A word hashes to 64
bits from its bytes, read 8 at a time, an n-gram to a polynomial of its word hashes mod 2**64 built by doubling
(O(log n) array passes); its top bits, the best mixed by the multiplications, index the prefilter tables. Hash
equality only nominates candidates: every hit is verified against the real text, so a collision can never
report one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_WORD = set(b"abcdefghijklmnopqrstuvwxyz0123456789") | set(range(128, 256))
# Upper-case ASCII folds to lower case; ASCII that is not a letter or digit becomes a zero byte (a separator);
# other bytes (parts of UTF-8 letters, already cleaned by the regex step) are kept.
TABLE = bytes(c + 32 if 65 <= c <= 90 else c if c in _WORD else 0 for c in range(256))
ONES, HIGHS = 0x0101010101010101, 0x8080808080808080
NON_WORD = r"[^\p{L}\p{N}\x00-\x7f]+"
PRIME = 0x9E3779B97F4A7C15
MIX1, MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


@dataclass
class Words:
    """The words of a batch: their hashes and where each record's words start (``first[-1]`` = count)."""

    hashes: np.ndarray
    first: np.ndarray

    def record_of(self, word_index: np.ndarray) -> np.ndarray:
        import numpy as np

        found: np.ndarray = np.searchsorted(self.first, word_index, side="right") - 1
        return found


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole hash (in place)."""
    import numpy as np

    h ^= h >> np.uint64(30)
    h *= np.uint64(MIX1)
    h ^= h >> np.uint64(27)
    h *= np.uint64(MIX2)
    h ^= h >> np.uint64(31)
    return h


def _clean(texts: pa.Array) -> pa.Array:
    """Lower-case and strip punctuation from the non-ASCII texts (ASCII ones are left to TABLE)."""
    import pyarrow.compute as pc

    if texts.null_count:  # (pa.scalar would import pandas, so nulls become empty strings this way)
        texts = pc.coalesce(texts, _constant(texts, "", len(texts)))
    if _all_ascii_bytes(texts):
        return texts
    ascii_ = pc.string_is_ascii(texts)
    if pc.all(ascii_).as_py():
        return texts
    mask = pc.invert(ascii_)
    sub = pc.replace_substring_regex(pc.utf8_lower(texts.filter(mask)), NON_WORD, " ")
    return pc.replace_with_mask(texts, mask, sub)


def _all_ascii_bytes(texts: pa.Array) -> bool:
    """Whether the texts' whole data buffer is ASCII: one vectorised max over the bytes, several times faster
    than string_is_ascii text by text (False, and the per-text check, when in doubt)."""
    import numpy as np
    import pyarrow as pa

    plain = pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)
    buffers = texts.buffers() if isinstance(texts, pa.Array) and plain else [None]
    data = buffers[-1]
    return data is not None and int(np.frombuffer(data, np.uint8).max(initial=0)) < 128


def _constant(like: pa.Array, text: str, count: int) -> pa.Array:
    """``count`` copies of ``text`` as a string array of like's type, from buffers (no pandas import)."""
    import numpy as np
    import pyarrow as pa

    large = pa.types.is_large_string(like.type)
    step = len(text.encode())
    offsets = (np.arange(count + 1) * step).astype(np.int64 if large else np.int32)
    data = pa.py_buffer(text.encode() * count)
    return pa.Array.from_buffers(like.type, count, [None, pa.py_buffer(offsets), data])


def _buffer(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The texts' bytes (one separator before each text, folded) and each text's start offset in them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pc.binary_join_element_wise(
        _constant(texts, " ", len(texts)), texts, _constant(texts, "", len(texts))
    )
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    large = pa.types.is_large_string(joined.type)
    offsets = np.frombuffer(joined.buffers()[1], np.int64 if large else np.int32)
    offsets = offsets[joined.offset : joined.offset + len(joined) + 1].astype(np.int64)
    data = joined.buffers()[2]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    return fold(raw[offsets[0] : offsets[-1]]), offsets - offsets[0]


def fold(raw: np.ndarray) -> np.ndarray:
    """``raw.tobytes().translate(TABLE)`` in whole-array numpy operations (2.5x faster than translate, which
    looks up one byte at a time), zero-padded to whole 8-byte words with at least 16 bytes to spare: loads of
    8 bytes at or just past any word stay in bounds."""
    import numpy as np

    from ftspec.data import scratch

    out = scratch.take("fold", (len(raw) // 8 + 3) * 8, np.uint8)  # reused: one batch's bytes at a time
    out[len(raw) :] = 0
    folded, work, flag, more = out[: len(raw)], *_byte_work(len(raw))
    np.bitwise_or(raw, 0x20, out=folded)  # the lower case of an ASCII letter
    np.less(np.subtract(folded, 97, out=work), 26, out=flag)
    folded *= flag  # ... kept only where it is a letter
    # digits and the bytes of UTF-8 sequences (non-ASCII letters, already cleaned by _clean) stay as they are
    np.less(np.subtract(raw, 48, out=work), 10, out=flag)
    flag |= np.greater_equal(raw, 128, out=more)
    folded |= np.multiply(raw, flag, out=work)
    return out


def _byte_work(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work arrays of one byte per byte of a batch: one of bytes, two of flags."""
    import numpy as np

    from ftspec.data import scratch

    return scratch.take("bytes", count, np.uint8), scratch.take("flags", count, np.bool_), scratch.take(
        "flags2", count, np.bool_
    )


def word_hashes(texts: pa.Array, segments: np.ndarray | None = None) -> Words:
    """Hash every word; ``first`` indexes records, each ``segments[r]:segments[r+1]`` of the texts.

    Texts that repeat (sliced data holds each early message of a conversation in every slice) are hashed once
    and their words copied: a word's hash depends on its bytes alone, so the result is the same.
    """
    import numpy as np

    distinct = _distinct(texts)
    if distinct is not None:
        unique, index = distinct
        words = _expand(word_hashes(unique), index)
        return words if segments is None else Words(words.hashes, words.first[segments])
    buf, offsets = _buffer(_clean(texts))
    _, w, begins = _byte_work(len(buf))
    np.not_equal(buf, 0, out=w)
    starts = np.flatnonzero(np.greater(w[1:], w[:-1], out=begins[1:])) + 1  # each text begins with a separator
    first = np.searchsorted(starts, offsets if segments is None else offsets[segments], side="left")
    return Words(_hash_words(buf, starts), first)


def _distinct(texts: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
    """The distinct texts and the index of each text among them; None when under a quarter of the texts
    repeat one before them (folding them would save less than it costs) or some are null."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(texts, pa.Array) or texts.null_count or len(texts) < 4:
        return None
    encoded = pc.dictionary_encode(texts)
    unique, indices = encoded.dictionary, encoded.indices
    if len(unique) * 4 > len(texts) * 3 or not pa.types.is_int32(indices.type):
        return None
    raw = np.frombuffer(indices.buffers()[1], np.int32)
    return unique, raw[indices.offset : indices.offset + len(indices)].astype(np.int64)


def _expand(words: Words, index: np.ndarray) -> Words:
    """The words of texts given as indices into the texts ``words`` holds."""
    import numpy as np

    counts = np.diff(words.first)[index]
    first = np.zeros(len(index) + 1, np.int64)
    np.cumsum(counts, out=first[1:])
    source = np.repeat(words.first[:-1][index] - first[:-1], counts) + np.arange(first[-1], dtype=np.int64)
    return Words(words.hashes[source], first)


def _hash_words(buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """64-bit hash of each word from its bytes, eight at a time (see :func:`load`).

    The word ends at its first zero byte: the classic has-zero-byte trick marks it (exactly, for the lowest
    one), and the bits below the mark keep just the word's bytes of the little-endian load.
    """
    import numpy as np

    aligned = buf.view("<u8")
    h, more = _word_part(load(aligned, starts))
    offset, longer = 8, np.flatnonzero(more)
    while longer.size:
        part, more = _word_part(load(aligned, starts[longer] + offset))
        h[longer] = h[longer] * np.uint64(PRIME) ^ part
        offset, longer = offset + 8, longer[more]
    h *= np.uint64(MIX1)  # a multiply and a fold mix enough: the polynomial and verification do the rest
    h ^= h >> np.uint64(29)
    return h


def load(aligned: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes at each byte offset ``at`` (little-endian), from the two aligned words around them.

    Gathering from a contiguous array is numpy's fast path: 4x faster than indexing an unaligned view with a
    stride of one byte, even with the shifts that splice the two halves.
    """
    import numpy as np

    from ftspec.data import scratch

    count = len(at)  # the work arrays are reused (the result too: it is valid until the next load)
    bits = np.bitwise_and(at, 7, out=scratch.take("load.bits", count, np.uint64), casting="unsafe")
    bits <<= np.uint64(3)
    word = np.right_shift(at, 3, out=scratch.take("load.word", count, np.int64))
    low: np.ndarray = np.take(aligned, word, out=scratch.take("load.low", count, np.uint64))
    low >>= bits
    word += 1
    high = np.take(aligned, word, out=scratch.take("load.high", count, np.uint64))
    np.subtract(np.uint64(63), bits, out=bits)
    high <<= bits  # in two steps: a shift by 64 (at a multiple of 8) is undefined, by 63 then 1 gives 0
    high <<= np.uint64(1)
    low |= high
    return low


def _word_part(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of x before its first zero byte, and whether x had no zero byte (the word goes on)."""
    import numpy as np

    marks = (x - np.uint64(ONES)) & ~x & np.uint64(HIGHS)
    lowest = marks & (~marks + np.uint64(1))
    keep = (lowest >> np.uint64(7)) - np.uint64(1)  # all ones when there is no mark (wraps around)
    return x & keep, marks == 0


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """h[i] = sum_k hashes[i+k] * P**(n-1-k) mod 2**64 for every window of n words, by doubling."""
    import numpy as np

    count = len(hashes) - n + 1
    if count <= 0:
        return np.zeros(0, np.uint64)
    if n == 1:
        return hashes
    result: Any = None
    rlen, block, blen, bits = 0, hashes, 1, n
    while True:
        if bits & 1:
            if result is None:
                result = block
            else:
                m = len(hashes) - rlen - blen + 1
                result = result[:m] * np.uint64(pow(PRIME, blen, 2**64)) + block[rlen : rlen + m]
            rlen += blen
        bits >>= 1
        if not bits:
            return result[:count]  # type: ignore[no-any-return]
        m = len(block) - blen
        block = block[:m] * np.uint64(pow(PRIME, blen, 2**64)) + block[blen : blen + m]
        blen *= 2


def strided_hashes(hashes: np.ndarray, n: int, step: int) -> np.ndarray:
    """ngram_hashes(hashes, n)[::step] by Horner's rule: n passes over 1/step of the words (in a reused work
    array: valid until the next call)."""
    import numpy as np

    from ftspec.data import scratch

    count = (len(hashes) - n) // step + 1 if len(hashes) >= n else 0
    out = scratch.zeros("strided", count, np.uint64)
    for k in range(n):
        out *= np.uint64(PRIME)
        out += hashes[k : k + step * count : step]
    return out


def anchors(n: int) -> tuple[int, int]:
    """(m, step): look up the m-grams at every step-th train position, m = n - step + 1.

    Every train n-gram window holds step consecutive start positions, so one of them is a multiple of step,
    and the m-gram starting there lies inside the window: a shared n-gram always shares an indexed m-gram at a
    checked position. Checking a quarter of the positions (step 4 for n = 13) quarters the lookups; the
    candidates it adds are removed by the exact verification of the full n-gram.
    """
    step = max(1, (n - 1) // 3)
    return n - step + 1, step


def record_ids(words: Words) -> np.ndarray:
    """The record of each word."""
    import numpy as np

    return np.repeat(np.arange(len(words.first) - 1), np.diff(words.first))


def inside(words: Words, starts: np.ndarray, n: int) -> np.ndarray:
    """Which of these n-gram start indices lie inside one record (no n-gram spans two records)."""
    rec = words.record_of(starts)
    fits: np.ndarray = starts + n <= words.first[rec + 1]
    return fits


def windows(words: Words, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-gram hashes of a batch, the indices (first word) of those that lie inside one record, and the
    record of each of those."""
    import numpy as np

    grams = ngram_hashes(words.hashes, n)
    records = record_ids(words)[: len(grams)]
    starts = np.flatnonzero(np.arange(len(grams)) + n <= words.first[1:][records])
    return grams, starts, records[starts]


def short_text_hashes(words: Words, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, hashes) of the records with 1..n-1 words: exact duplicates that no n-gram can catch."""
    import numpy as np

    counts = np.diff(words.first)
    rows = np.flatnonzero((counts > 0) & (counts < n))
    out = np.zeros(len(rows), np.uint64)
    for k in range(n - 1):  # at most n-1 words each: a short loop over short records
        has = counts[rows] > k
        pos = words.first[rows[has]] + k
        out[has] = _mix(out[has] * np.uint64(PRIME) ^ words.hashes[pos])
    return rows, out
