"""The contamination engine against a plain pure-Python reference on random data, plus its edge cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ftspec.data import contamination as engine
from ftspec.data.batches import jsonl_batches
from ftspec.data.contamination import ContaminationIndex, Record, normalise, scan_file

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
    monkeypatch.setattr(engine, "PARALLEL_BYTES", 0)
    parallel = [
        (h.train.line, h.other.line) for h in scan_file(index, tmp_path / "train.jsonl", "t", workers=3)
    ]
    assert parallel == serial
    assert set(serial) == reference(train, refs, 3)


def test_normalise_folds_case_and_punctuation() -> None:
    assert normalise("Don’t STOP—now_please!  Café 42") == "don t stop now please café 42"


def test_parallel_scan_names_a_malformed_line_in_the_second_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftspec.data.loading import DataError

    path = tmp_path / "train.jsonl"
    good = json.dumps({"prompt": "a b c", "completion": "d e f"})
    path.write_text("\n".join([good] * 40 + ["{broken"] + [good] * 9) + "\n")
    monkeypatch.setattr(engine, "PARALLEL_BYTES", 0)
    with pytest.raises(DataError, match=r"^t:41: invalid JSON"):
        list(scan_file(ContaminationIndex([Record("e", 1, "x y")], n=2), path, "t", workers=2))


@pytest.mark.parametrize(("n", "step"), [(1, 1), (4, 2), (10, 4), (13, 3)])
def test_strided_hashes_equal_every_step_th_ngram_hash(n: int, step: int) -> None:
    import numpy as np

    from ftspec.data.ngrams import ngram_hashes, strided_hashes

    words = np.random.default_rng(n).integers(0, 2**63, 50, dtype=np.uint64)
    assert (strided_hashes(words, n, step) == ngram_hashes(words, n)[::step]).all()
