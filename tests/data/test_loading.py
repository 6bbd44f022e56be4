"""Reading data files: JSONL streamed with real line numbers; Parquet, CSV and saved datasets via datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.data.loading import DataError, data_kind, iter_rows
from ftspec.data.records import metadata, record_text

ROWS = [{"prompt": "a", "completion": "b"}, {"prompt": "c", "completion": "d"}]


def test_jsonl_rows_carry_their_lines_and_skip_blank_ones(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "completion": "b"}\n\n{"prompt": "c", "completion": "d"}\n')
    assert [(line, row["prompt"]) for line, row in iter_rows(path, "d.jsonl")] == [(1, "a"), (3, "c")]


def test_a_malformed_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a"}\n{"prompt": \n[1, 2]\n')
    with pytest.raises(DataError, match=r"^d.jsonl:2: invalid JSON"):
        list(iter_rows(path, "d.jsonl"))
    errors: list[DataError] = []
    assert len(list(iter_rows(path, "d.jsonl", errors))) == 1
    assert [e.location.line for e in errors] == [2, 3]
    assert "not an object" in errors[1].message


def test_half_a_surrogate_pair_is_a_malformed_line_and_whole_pairs_are_not(tmp_path: Path) -> None:
    """JSON can write one half of a UTF-16 pair alone; it is no character (UTF-8 cannot hold it), so the line is
    named with what to do, never a crash later when its text is encoded."""
    path = tmp_path / "d.jsonl"
    lines = [
        r'{"prompt": "a smile \ud83d\ude00 and \uD83D\uDE00", "completion": "b"}',  # whole pairs, either case
        r'{"prompt": "a path C:\\ud800", "completion": "b"}',  # an escaped backslash, then "ud800": plain text
        r'{"prompt": "cut \ud83d", "completion": "b"}',
        r'{"prompt": "a", "completion": "b", "metadata": {"\uDE00": 1}}',  # a key counts too
    ]
    path.write_text("\n".join(lines) + "\n")
    errors: list[DataError] = []
    rows = list(iter_rows(path, "d.jsonl", errors))
    assert [line for line, _ in rows] == [1, 2] and rows[0][1]["prompt"].endswith("\U0001f600")
    assert [(e.location.line, e.message) for e in errors] == [
        (3, r"a string holds half a UTF-16 surrogate pair (\ud83d), which is no character"),
        (4, r"a string holds half a UTF-16 surrogate pair (\ude00), which is no character"),
    ]
    assert "write the whole character" in errors[0].fix


def test_tables_through_datasets(tmp_path: Path) -> None:
    import datasets

    table = datasets.Dataset.from_list(ROWS)
    table.to_parquet(str(tmp_path / "d.parquet"))
    table.to_csv(str(tmp_path / "d.csv"), index=False)
    table.save_to_disk(str(tmp_path / "saved"))
    assert [line for line, _ in iter_rows(tmp_path / "d.parquet", "d.parquet")] == [1, 2]
    assert [line for line, _ in iter_rows(tmp_path / "d.csv", "d.csv")] == [2, 3]  # line 1 is the header
    assert [row["completion"] for _, row in iter_rows(tmp_path / "saved", "saved")] == ["b", "d"]


def test_unsupported_and_broken_files(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(DataError, match="unsupported data format"):
        data_kind(tmp_path / "d.txt")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="cannot read parquet data"):
        list(iter_rows(tmp_path / "bad.parquet", "bad.parquet"))


def test_record_text_and_metadata() -> None:
    chat = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "yo"}]},
        ],
        "source_id": "s1",
        "metadata": {"edge_case": True},
    }
    assert record_text(chat) == "hi\nyo"
    assert metadata(chat) == {"edge_case": True, "source_id": "s1"}
    assert (
        record_text({"prompt": [{"role": "user", "content": "q"}], "chosen": "a", "rejected": "b"})
        == "q\na\nb"
    )
