"""The per-message checks of the summary pass for a batch of ASCII messages at once.

Judged one by one (ftspec.data.turns), a message was split into word objects three times over (its word
count, its normalised text, the words its artifact triggers and language are judged by), and scanned for
forty-odd artifact triggers one substring at a time: on a 90 MB corpus that was most of the summary's CPU time.
Here the distinct ASCII messages of a batch are joined once: a byte translation marks their whitespace and
separators, so a message's word count is a count of word starts and its normalised text comes from one
bytes.replace over the batch; Arrow's RE2 kernel screens every message for every artifact trigger (and for '@'
or a digit, what PII needs) in one pass; and Arrow's kernels count each reply's function words of the declared
languages. The screens are supersets (a trigger that is a word of the text is a substring of it; a reply whose
declared share is clear passes the language check whatever else holds), and the exact checks run on the
messages they let through, so the verdicts are the per-message ones exactly (tests/data/test_message_batch.py
compares them).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import string
import sys
from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from ftspec.data.turns import Message, Turns

# What str.split() splits ASCII text on (\x1c-\x1f too, which bytes.split() does not).
WHITESPACE = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
BOUNDARY = 0xFF  # between the messages of the joined bytes: no ASCII text holds it
# Whitespace and the boundary to 0, other bytes to 1: a word starts at each b"\x00\x01".
WORD_STARTS = bytes(0 if c in WHITESPACE or c == BOUNDARY else 1 for c in range(256))
# plain_words: ASCII punctuation and whitespace become spaces (then runs of spaces are one).
SPACES = bytes(32 if c in WHITESPACE + string.punctuation.encode() else c for c in range(256))
PII_SCREEN = "[@0-9]"  # may_hold_pii for ASCII text: an '@' or a digit
BATCH_FILE_BYTES = 4 << 20


def ascii_messages(turns: Turns, keys: list[tuple[str, str]]) -> list[Message] | None:
    """The verdicts of (role, text) messages whose texts are all ASCII, in order; None when pyarrow.compute is
    not imported (no data extra, or a small file: see :func:`preload`), and the caller judges them one by one."""
    if "pyarrow.compute" not in sys.modules:
        return None
    from ftspec.data.turns import Message

    lowers = [text.lower() for _, text in keys]
    joined = ("\xff" + "\xff".join(lowers)).encode("latin-1")  # each message after a boundary byte
    cuts = _starts(lowers)
    texts = _arrow(lowers, cuts)
    artifact = _artifact_screen(turns, texts, [role for role, _ in keys])
    pii = _screen(texts, PII_SCREEN)
    counts = _word_counts(joined.translate(WORD_STARTS), cuts)  # len(text.split()) of each
    spaced = joined.translate(SPACES)
    # " ".join(plain_words(lower)), encoded: the duplicates digest and the words the language is judged by
    normals = _normalised(spaced)
    replies = [normal if role == "assistant" else b"" for (role, _), normal in zip(keys, normals, strict=True)]
    declared = _clearly_declared(turns, replies)
    found: list[Message] = []
    for i, (role, text) in enumerate(keys):
        judged = role == "assistant" and not declared[i]
        found.append(Message(
            counts[i],
            len(text),
            turns.artifacts.find(text, lowers[i]) if artifact[i] else None,
            turns.language.foreign(text, _first_words(normals[i])) if judged else None,
            turns.pii(text) if pii[i] else (),
            hashlib.blake2b(normals[i], digest_size=16).digest(),
        ))
    return found


def _word_counts(marks: bytes, cuts: list[int]) -> list[int]:
    """How many words each message holds: the word starts (a 0 then a 1 in the marks) from the boundary before
    it to the next, found for the whole batch at once (0.05 CPU-s for the benchmark's 56,000 distinct messages
    with a bytes.count per message)."""
    import numpy as np

    data = np.frombuffer(marks, np.uint8)
    starts = np.flatnonzero(data[1:] > data[:-1])  # the 0 of each 0 then 1
    found: list[int] = np.diff(np.searchsorted(starts, np.asarray(cuts, np.int64) - 1)).tolist()
    return found


def _clearly_declared(turns: Turns, normals: list[bytes]) -> list[bool]:
    """Which texts the language check passes for their function words: of the first WORDS_JUDGED words, a
    declared language's share is at least CLEARLY (then LanguageCheck.foreign returns None whatever else
    holds), counted for the whole batch at once instead of word by word. A word of up to 7 bytes is one 64-bit
    key (its bytes and its length), so membership is one look-up in a table of each language's function words
    (0.05 CPU-s for the benchmark's 28,000 distinct replies; splitting them into Arrow strings for
    pyarrow.compute.is_in took 0.13)."""
    import numpy as np

    from ftspec.data.language import CLEARLY, WORDS_JUDGED

    check = turns.language
    if not check.by_words or not any(normals):  # judged by script alone (or nothing to judge)
        return [False] * len(normals)
    tables = [_function_word_table(code) for code in sorted(check.profiled)]
    if any(table is None for table in tables):  # a function word too long for a key: each reply judged alone
        return [False] * len(normals)
    joined = b" ".join(normals)  # a space between texts (an empty one adds a space, no word)
    space = np.frombuffer(joined, np.uint8) == 32
    starts = np.flatnonzero(~space & np.r_[True, space[:-1]])
    lengths = np.flatnonzero(~space & np.r_[space[1:], True]) + 1 - starts
    bounds = np.zeros(len(normals) + 1, np.int64)  # where each text starts in the joined bytes
    np.cumsum([len(n) + 1 for n in normals], out=bounds[1:])
    first = np.searchsorted(starts, bounds)  # each text's first word; the last: the count
    counts = np.diff(first)
    judged = np.arange(len(starts)) - np.repeat(first[:-1], counts) < WORDS_JUDGED
    keys = _word_keys(joined, starts, lengths)
    totals = np.maximum(np.minimum(counts, WORDS_JUDGED), 1)
    best = np.zeros(len(normals), np.int64)
    for table in tables:
        assert table is not None
        multiplier, slots = table
        running = np.zeros(len(keys) + 1, np.int64)
        np.cumsum((slots[(keys * multiplier) >> np.uint64(64 - SLOT_BITS)] == keys) & judged, out=running[1:])
        np.maximum(best, running[first[1:]] - running[first[:-1]], out=best)
    clear: list[bool] = (best / totals >= CLEARLY).tolist()  # the shares as LanguageCheck divides them
    return clear


KEY_BYTES = 7  # a word's bytes in the low 7 bytes of its key, its length in the top one


def _word_keys(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The key of each word of ``data`` (its bytes, little-endian, and its length in the top byte); all ones for
    a word longer than KEY_BYTES, which no function word's key nor an empty slot (0) equals."""
    import numpy as np

    from ftspec.data.ngrams import load

    padded = np.zeros((len(data) // 8 + 3) * 8, np.uint8)  # loads of 8 bytes at any word stay in bounds
    padded[: len(data)] = np.frombuffer(data, np.uint8)
    widths = (np.minimum(lengths, KEY_BYTES) * 8).astype(np.uint64)
    keys: np.ndarray = load(padded.view("<u8"), starts) & ((np.uint64(1) << widths) - np.uint64(1))
    keys |= lengths.astype(np.uint64) << np.uint64(8 * KEY_BYTES)
    keys[lengths > KEY_BYTES] = np.iinfo(np.uint64).max
    return keys


SLOT_BITS = 12  # a table of 4,096 slots for a language's ~40 function words


@functools.cache
def _function_word_table(code: str) -> tuple[np.uint64, np.ndarray] | None:
    """(multiplier, slots): the key of each of a language's ASCII function words (others never occur in ASCII
    text) in slot (key * multiplier) >> (64 - SLOT_BITS), every other slot 0, which no word's key is; the first
    multiplier that gives each word a slot of its own. None when a word is too long for a key."""
    import numpy as np

    from ftspec.data.language import PROFILES

    words = [word.encode() for word in PROFILES[code] if word.isascii()]
    if any(len(word) > KEY_BYTES for word in words):
        return None
    keys = [int.from_bytes(word, "little") | len(word) << 8 * KEY_BYTES for word in words]
    for multiplier in range(0x9E3779B97F4A7C15, 1 << 64, 2):
        slots = {(key * multiplier) % (1 << 64) >> (64 - SLOT_BITS): key for key in keys}
        if len(slots) == len(keys):
            table = np.zeros(1 << SLOT_BITS, np.uint64)
            table[list(slots)] = list(slots.values())
            return np.uint64(multiplier), table
    return None


def _strings(data: bytes, offsets: np.ndarray | array[int]) -> pa.Array:
    """A large_string array from its bytes and int64 offsets (pa.array would import pandas)."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.large_string(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def preload(size: int) -> None:
    """Import what the batches need when a data file of ``size`` bytes is worth it, before the summary forks
    its workers (each would import it again). pyarrow.compute takes 0.4 CPU-s to import, what the batches save
    on ~4 MB of chat: a smaller file is judged message by message unless it is imported already."""
    if size >= BATCH_FILE_BYTES:
        with contextlib.suppress(ImportError):  # without the data extra, message by message
            import numpy  # noqa: F401
            import pyarrow.compute  # noqa: F401


def _normalised(spaced: bytes) -> list[bytes]:
    """Each message's words joined by single spaces, from the joined bytes with separators made spaces: a space
    is dropped where a space or a boundary comes before it (runs of spaces become one, leading ones go), then
    where a boundary or the end comes after it (a trailing one goes), by numpy over the whole batch (0.01 CPU-s
    for the benchmark's 56,000 distinct messages; halving the runs with bytes.replace took 0.13)."""
    import numpy as np

    data = np.frombuffer(spaced, np.uint8)
    space = data == 32
    after = np.empty_like(space)  # a space or a boundary before it (the first byte is a boundary)
    after[0] = True
    np.logical_or(space[:-1], data[:-1] == BOUNDARY, out=after[1:])
    data = data[~(space & after)]
    space = data == 32
    before = np.empty_like(space)  # a boundary or the end after it
    before[-1] = True
    np.equal(data[1:], BOUNDARY, out=before[:-1])
    kept: bytes = data[~(space & before)].tobytes()
    return kept[1:].split(b"\xff")


def _starts(lowers: list[str]) -> list[int]:
    """Where each text starts in the joined bytes, and (last) the length plus one."""
    cuts, at = [], 1
    for lower in lowers:
        cuts.append(at)
        at += len(lower) + 1
    cuts.append(at)
    return cuts


def _first_words(normal: bytes) -> list[str]:
    """At least the first WORDS_JUDGED plain words (the language check reads no more), or all of them."""
    from ftspec.data.language import WORDS_JUDGED

    return normal.decode("ascii").split(" ", WORDS_JUDGED) if normal else []


def _artifact_screen(turns: Turns, texts: pa.Array, roles: list[str]) -> list[bool]:
    """Which messages may hold an artifact: of a checked role, and holding one of the triggers (every one,
    when a project's own pattern has no trigger)."""
    finder, checked = turns.artifacts, turns.artifact_roles
    wanted = [role in checked for role in roles]
    if finder.always:
        return wanted
    triggers = sorted({*finder.word_triggers, *finder.text_triggers})
    if not triggers:
        return [False] * len(roles)
    held = _screen(texts, "|".join(map(_literal, triggers)))
    return [a and b for a, b in zip(wanted, held, strict=True)]


def _literal(text: str) -> str:
    """An RE2 pattern matching the text literally (ASCII punctuation escaped; other characters stand for
    themselves)."""
    return "".join("\\" + c if c in string.punctuation else c for c in text)


def _screen(texts: pa.Array, pattern: str) -> list[bool]:
    """Which texts hold a match of an RE2 pattern."""
    import pyarrow.compute as pc

    matched: list[bool] = pc.match_substring_regex(texts, pattern).to_pylist()
    return matched


def _arrow(lowers: list[str], cuts: list[int]) -> pa.Array:
    """The texts as an Arrow string array."""
    return _strings("".join(lowers).encode("ascii"), array("q", (at - 1 - i for i, at in enumerate(cuts))))
