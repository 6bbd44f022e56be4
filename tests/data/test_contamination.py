"""The contamination engine against a plain pure-Python reference on random data, plus its edge cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ftspec.data import contamination as engine
from ftspec.data import contamination_parallel
from ftspec.data.batches import jsonl_batches
from ftspec.data.contamination import ContaminationIndex, Record, file_batches, normalise, scan_file

# Short, long (> 8, > 16 bytes), exactly-8-byte, non-ASCII and mixed-case words: every hashing branch runs.
VOCAB = [
    "a",
    "to",
    "the",
    "Job",
    "offer",
    "abcdefgh",
    "pay",
    "résumé",
    "Straße",
    "naïve",
    "über",
    "日本語",
    "interview",
    "responsibilities",
    "internationalisation",
    "x1",
    "42",
    "café",
]
PUNCT = [" ", "  ", ", ", ". ", "! ", " - ", "\n", "’", "—", "\t", "_", "'s "]


def random_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        word = rng.choice(VOCAB)
        parts.append(word.upper() if rng.random() < 0.1 else word)
        parts.append(rng.choice(PUNCT))
    return "".join(parts)


def reference(train: list[Record], refs: list[Record], n: int) -> set[tuple[int, int]]:
    """The obvious way: sets of n-gram tuples, and equality of normalised texts."""
    found = set()
    for t in train:
        mine = normalise(t.text).split()
        grams = {tuple(mine[i : i + n]) for i in range(len(mine) - n + 1)}
        for e in refs:
            theirs = normalise(e.text).split()
            equal = bool(mine) and mine == theirs
            if equal or any(tuple(theirs[i : i + n]) in grams for i in range(len(theirs) - n + 1)):
                found.add((t.line, e.line))
    return found


def corpus(seed: int, count: int, max_words: int) -> list[Record]:
    rng = random.Random(seed)
    return [Record("f", i + 1, random_text(rng, rng.randint(0, max_words))) for i in range(count)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 10, 13])
def test_engine_agrees_with_reference(seed: int, n: int) -> None:
    refs, train = corpus(seed, 25, 12), corpus(seed + 100, 60, 30)
    rng = random.Random(seed)
    for record in rng.sample(train, 5):  # plant copies and passages so n=13 has hits too
        other = rng.choice(refs)
        train[record.line - 1] = Record("f", record.line, record.text + " " + other.text.upper())
    hits = list(ContaminationIndex(refs, n=n).scan(train))
    assert {(h.train.line, h.other.line) for h in hits} == reference(train, refs, n)
    assert len(hits) == len({(h.train.line, h.other.line) for h in hits})  # one hit per pair


def test_hit_names_both_records_and_the_overlap() -> None:
    refs = [
        Record("eval.jsonl", 7, "One two three four five six, seven eight nine ten eleven twelve thirteen!")
    ]
    train = [
        Record(
            "train.jsonl",
            3,
            "Intro: one two THREE four five six seven eight nine ten eleven twelve thirteen fourteen",
        ),
        Record("train.jsonl", 4, "nothing in common"),
    ]
    (hit,) = ContaminationIndex(refs).scan(train)
    assert (hit.kind, hit.train.line, hit.other.path, hit.other.line) == ("ngram", 3, "eval.jsonl", 7)
    assert hit.overlap == "one two three four five six seven eight nine ten eleven twelve thirteen"


def test_exact_duplicates_are_found_even_when_shorter_than_n() -> None:
    refs = [Record("e", 1, "Short answer."), Record("e", 2, "")]
    train = [Record("t", 1, "short ANSWER"), Record("t", 2, ""), Record("t", 3, "short answer too")]
    hits = list(ContaminationIndex(refs).scan(train))
    assert [(h.kind, h.train.line, h.other.line) for h in hits] == [("exact", 1, 1)]


def test_verification_rejects_a_hash_match_without_shared_words() -> None:
    index = ContaminationIndex([Record("e", 1, "alpha beta gamma delta")], n=2)
    assert index._verify(Record("t", 1, "epsilon zeta eta theta"), 0) is None


def test_ngrams_do_not_span_two_records() -> None:
    refs = [Record("e", 1, "end of one start of two")]
    train = [Record("t", 1, "something end of one"), Record("t", 2, "start of two else")]
    assert not list(ContaminationIndex(refs, n=6).scan(train))


def write_jsonl(path: Path, records: list[Record], seed: int) -> None:
    rng = random.Random(seed)
    lines = []
    for r in records:
        shape = rng.choice(["messages", "messages", "prompt", "conversational"])
        if shape == "messages":
            half = r.text.find(" ", len(r.text) // 2)  # split between words: the words stay the same
            half = len(r.text) if half < 0 else half
            row: dict[str, object] = {
                "messages": [
                    {"role": "user", "content": r.text[:half]},
                    {"role": "assistant", "content": r.text[half:]},
                ]
            }
        elif shape == "prompt":
            row = {"prompt": r.text, "completion": ""}
        else:  # TRL's conversational prompt: Arrow cannot take it, the chunk falls back to Python
            row = {
                "prompt": [{"role": "user", "content": r.text}],
                "completion": [{"role": "assistant", "content": ""}],
            }
        lines.append(json.dumps(row, ensure_ascii=rng.random() < 0.5))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("seed", range(3))
def test_jsonl_stream_agrees_with_reference(tmp_path: Path, seed: int) -> None:
    refs, train = corpus(seed, 20, 12), corpus(seed + 50, 80, 25)
    write_jsonl(tmp_path / "train.jsonl", train, seed)
    index = ContaminationIndex(refs, n=3)
    hits = [
        h
        for b in jsonl_batches(tmp_path / "train.jsonl", "train.jsonl", size=700)
        for h in index.scan_batch(b)
    ]
    from_file = {(h.train.line, h.other.line) for h in hits}
    assert from_file == reference(train, refs, 3)


def test_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(
        '\n{"messages": [{"role": "user", "content": "a b c d"}]}\n  \n'
        '{"messages": [{"role": "user", "content": "x y z w"}]}\n'
    )
    hits = list(
        scan_file(ContaminationIndex([Record("e", 1, "x y z w")], n=2), path, "train.jsonl", workers=1)
    )
    assert [h.train.line for h in hits] == [4]


def test_parallel_scan_matches_serial_and_numbers_lines_across_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs, train = corpus(7, 20, 12), corpus(8, 300, 25)
    write_jsonl(tmp_path / "train.jsonl", train, 7)
    index = ContaminationIndex(refs, n=3)
    serial = [
        (h.train.line, h.other.line) for h in scan_file(index, tmp_path / "train.jsonl", "t", workers=1)
    ]
    assert set(serial) == reference(train, refs, 3)
    monkeypatch.setattr(contamination_parallel, "PARALLEL_BYTES", 0)
    reports = []
    for workers in (1, 3):
        report = engine.Report(lines=set())
        engine.scan_into(index, tmp_path / "train.jsonl", "t", report, workers)
        report.close()
        reports.append(report)
    one, three = reports
    assert three.lines == one.lines == {("t", line) for line, _ in serial}
    assert (three.exact_records, three.overlap_records, three.hits) == (
        one.exact_records,
        one.overlap_records,
        len(serial),
    )
    assert [f.train.line for f in three.overlap] == [f.train.line for f in one.overlap]
    assert [[h.other.line for h in f.hits] for f in three.overlap] == [
        [h.other.line for h in f.hits] for f in one.overlap
    ]


def test_normalise_folds_case_and_punctuation() -> None:
    assert normalise("Don’t STOP—now_please!  Café 42") == "don t stop now please café 42"


def test_a_lone_surrogate_that_arrow_parses_is_named_at_its_line(tmp_path: Path) -> None:
    """Arrow keeps a lone surrogate as invalid UTF-8; the chunk is read again line by line, which names it."""
    from ftspec.data.loading import DataError

    path = tmp_path / "train.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "a b c \U0001f600"}]})  # a whole pair, escaped
    path.write_text("\n".join([good] * 3 + [good.replace("\\ude00", "")] + [good]) + "\n")
    with pytest.raises(DataError, match=r"^t:4: a string holds half a UTF-16 surrogate pair \(\\ud83d\)"):
        list(file_batches(path, "t"))
    path.write_text("\n".join([good] * 5) + "\n")
    assert sum(len(batch.lines) for batch in file_batches(path, "t")) == 5


def test_parallel_scan_names_a_malformed_line_in_the_second_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftspec.data.loading import DataError

    path = tmp_path / "train.jsonl"
    good = json.dumps({"prompt": "a b c", "completion": "d e f"})
    path.write_text("\n".join([good] * 40 + ["{broken"] + [good] * 9) + "\n")
    monkeypatch.setattr(contamination_parallel, "PARALLEL_BYTES", 0)
    with pytest.raises(DataError, match=r"^t:41: invalid JSON"):
        index = ContaminationIndex([Record("e", 1, "x y")], n=2)
        engine.scan_into(index, path, "t", engine.Report(), workers=2)


@pytest.mark.parametrize(("n", "step"), [(1, 1), (4, 2), (10, 4), (13, 3)])
def test_strided_hashes_equal_every_step_th_ngram_hash(n: int, step: int) -> None:
    import numpy as np

    from ftspec.data.ngrams import ngram_hashes, strided_hashes

    words = np.random.default_rng(n).integers(0, 2**63, 50, dtype=np.uint64)
    assert (strided_hashes(words, n, step) == ngram_hashes(words, n)[::step]).all()


def test_fold_equals_the_translate_table_and_pads_with_zeros() -> None:
    import numpy as np

    from ftspec.data.ngrams import TABLE, fold

    every = np.arange(256, dtype=np.uint8)
    assert bytes(fold(every)[:256]) == bytes(range(256)).translate(TABLE)
    rng = np.random.default_rng(0)
    for size in range(0, 40):
        raw = rng.integers(0, 256, size, dtype=np.uint8)
        out = fold(raw)
        assert bytes(out[:size]) == raw.tobytes().translate(TABLE)
        assert len(out) % 8 == 0 and len(out) >= size + 16 and not out[size:].any()


def test_load_reads_eight_bytes_at_every_offset() -> None:
    import numpy as np

    from ftspec.data.ngrams import load

    raw = np.random.default_rng(1).integers(0, 256, 64, dtype=np.uint8)
    at = np.arange(56)
    expected = [int.from_bytes(raw[i : i + 8].tobytes(), "little") for i in at]
    assert load(raw.view("<u8"), at).tolist() == expected


def test_an_all_ascii_batch_is_recognised_from_its_bytes() -> None:
    from ftspec.data.batches import string_array
    from ftspec.data.ngrams import _all_ascii_bytes

    assert _all_ascii_bytes(string_array(["Plain text.", "", "42"]))
    assert not _all_ascii_bytes(string_array(["plain", "café"]))
    assert not _all_ascii_bytes(string_array(["café", "plain"]).slice(1))  # in doubt: the per-text check


@pytest.mark.parametrize("sliced", [0, 1, 3])
def test_repeated_texts_are_hashed_once_with_the_same_words(monkeypatch: pytest.MonkeyPatch, sliced: int) -> None:
    import numpy as np

    from ftspec.data import ngrams
    from ftspec.data.batches import string_array

    rng = random.Random(sliced)
    pool = ["The offer came in!", "", "Ünïcode Wörds, STRASSE straße", "a", "x" * 40, "¿Qué tal? Très bien."]
    texts = [rng.choice(pool) + " " * rng.randint(0, 1) for _ in range(40)]
    texts += texts[: 10 * sliced]  # sliced data: the early messages again
    array = string_array(texts).slice(2)  # at an offset into its buffers
    segments = np.array([0, 3, 3, 17, len(array)])
    folded = (ngrams.word_hashes(array), ngrams.word_hashes(array, segments))
    assert ngrams._distinct(array) is not None  # the pool repeats: folded
    monkeypatch.setattr(ngrams, "_distinct", lambda texts: None)
    for got, want in zip(folded, (ngrams.word_hashes(array), ngrams.word_hashes(array, segments)), strict=True):
        assert got.hashes.tolist() == want.hashes.tolist()
        assert got.first.tolist() == want.first.tolist()


def test_index_keys_with_many_owner_bits_still_find_every_shared_ngram() -> None:
    refs = [Record("e", i + 1, f"filler {i} words here") for i in range(5000)]
    refs.append(Record("e", 5001, "the quick brown fox jumps"))
    index = ContaminationIndex(refs, n=3)
    assert index.owner_bits == 13
    hits = list(index.scan([Record("t", 7, "oh the QUICK brown fox!"), Record("t", 8, "filler 4999 words")]))
    assert [(h.train.line, h.other.line) for h in hits] == [(7, 5001), (8, 5000)]


def test_bit_tables_hold_every_indexed_hash() -> None:
    import numpy as np

    from ftspec.data.contamination import REMIX, BitTable

    hashes = np.random.default_rng(2).integers(0, 2**63, 5000, dtype=np.uint64) << np.uint64(1)
    for bits, multiplier in [(16, 1), (20, REMIX)]:
        table = BitTable.of(np, hashes, bits, multiplier)
        assert len(table.holds(np, hashes)) == len(hashes)
        others = np.random.default_rng(3).integers(0, 2**63, 5000, dtype=np.uint64)
        assert len(table.holds(np, others)) < len(others) // 4


SPLIT_FILES = {
    "empty": b"",
    "one line, no newline": b'{"text": "a b c"}',
    "no trailing newline": b'{"text": "a b c"}\n{"text": "d e f"}',
    "crlf": b'{"text": "a b c"}\r\n{"text": "d e f"}\r\n{"text": "g h i"}\r\n',
    "one long line straddling the middle": b'{"text": "x"}\n{"text": "' + b"y " * 200 + b'"}\n{"text": "z"}\n',
}


@pytest.mark.parametrize("name", SPLIT_FILES)
@pytest.mark.parametrize("parts", [1, 2, 3, 8, 100])
def test_split_points_cut_at_line_starts_and_cover_the_file(tmp_path: Path, name: str, parts: int) -> None:
    from ftspec.data.ranges import split_points

    path = tmp_path / "f.jsonl"
    path.write_bytes(SPLIT_FILES[name])
    data = SPLIT_FILES[name]
    points = split_points(path, parts)
    assert points[0] == 0 and points[-1] == len(data) and points == sorted(points)
    assert all(p == len(data) or data[p - 1 : p] == b"\n" for p in points[1:-1])
    ranges = [data[a:b] for a, b in zip(points, points[1:], strict=False)]
    assert b"".join(ranges) == data


@pytest.mark.parametrize("name", SPLIT_FILES)
def test_ranges_read_every_line_once_and_count_their_newlines(tmp_path: Path, name: str) -> None:
    from ftspec.data.batches import jsonl_batches
    from ftspec.data.ranges import split_points

    path = tmp_path / "f.jsonl"
    path.write_bytes(SPLIT_FILES[name])
    texts, offset = [], 0
    points = split_points(path, 3)
    for start, end in zip(points, points[1:], strict=False):
        batches = jsonl_batches(path, "f", size=16, start=start, end=end)
        while True:
            try:
                batch = next(batches)
            except StopIteration as done:
                offset += done.value
                break
            texts += [(int(line) + offset, batch.text(row)) for row, line in enumerate(batch.lines)]
    whole = [(int(line), b.text(row)) for b in jsonl_batches(path, "f") for row, line in enumerate(b.lines)]
    assert texts == whole
    assert offset == SPLIT_FILES[name].count(b"\n")


@pytest.mark.parametrize("workers", [2, 3, 50])
def test_parallel_scan_with_more_workers_than_lines_and_crlf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    path = tmp_path / "train.jsonl"
    rows = [{"text": "nothing shared"}, {"prompt": "the quick brown", "completion": "fox jumps"}, {"text": "x"}]
    path.write_bytes(b"\r\n".join(json.dumps(r).encode() for r in rows))  # no trailing newline either
    index = ContaminationIndex([Record("e", 1, "quick brown fox")], n=3)
    monkeypatch.setattr(contamination_parallel, "PARALLEL_BYTES", 0)
    hits = list(scan_file(index, path, "t", workers=workers))
    assert [(h.train.line, h.other.line) for h in hits] == [(2, 1)]


def test_longest_shared_span_equals_comparing_every_ngram() -> None:
    from ftspec.data.contamination import longest_shared_span

    def every_ngram(mine: list[str], other: list[str], n: int) -> str:
        theirs = {tuple(other[i : i + n]) for i in range(len(other) - n + 1)}
        best, run = (0, 0), 0
        for i in range(len(mine) - n + 1):
            run = run + 1 if tuple(mine[i : i + n]) in theirs else 0
            if run > best[1]:
                best = (i - run + 1, run)
        return " ".join(mine[best[0] : best[0] + best[1] + n - 1]) if best[1] else ""

    rng = random.Random(4)
    for _ in range(3000):
        vocab = [str(i) for i in range(rng.randint(1, 6))]
        mine, other = (rng.choices(vocab, k=rng.randint(0, 25)) for _ in range(2))
        n = rng.randint(1, 5)
        assert longest_shared_span(mine, other, n) == every_ngram(mine, other, n)
