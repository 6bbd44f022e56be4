"""The one-pass summary: the same result read in one range or split over processes; the format fast path."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftspec.data.formats import message_problems
from ftspec.data.ranges import Window, map_ranges
from ftspec.data.summary import Checks, Summary, collector_paused, summarise
from ftspec.data.tokens import counter
from ftspec.data.turns import Turns

SYSTEM = {"role": "system", "content": "You are a coach. " * 20}


def chat(i: int, reply: str = "") -> dict[str, Any]:
    user = f"Tell me about step {i} of my plan for this week please"
    messages = [SYSTEM, {"role": "user", "content": user},
                {"role": "assistant", "content": reply or f"Step {i}: write the list, then ask your manager."}]
    return {"messages": messages, "metadata": {"source_transcript": f"t{i % 7}", "topics": ["a", "edge_b"]}}


def corpus(path: Path) -> None:
    """Defects of every kind, spread over the file so that some fall at the ranges' edges."""
    lines = []
    for i in range(400):
        row = chat(i)
        if i % 37 == 5:
            lines.append('{"messages": [')  # invalid JSON
            continue
        if i % 41 == 7:
            row = chat(i, "Call me on +44 20 7946 0958 or write to jo.bloggs@gmail.com about it.")
        if i % 43 == 11:
            row = chat(i, "I'm Claude, made by Anthropic. I'm not going to continue generating this data.")
        if i % 29 == 3:
            row = chat(i, " ".join(["word"] * 80))  # a reply far longer than the user's message
        if i % 31 == 2:
            row["messages"] = row["messages"][:2]  # ends on the user
        if i % 53 == 9:
            lines.append("")  # a blank line
        lines.append(json.dumps(row if i % 50 != 1 else chat(0)))  # every 50th duplicates record 0
    lines.append("x" * 3000)  # over the record-size limit below
    lines.append(json.dumps(chat(999)))  # the last line has no newline
    path.write_text("\n".join(lines))


def plain(summary: Summary) -> dict[str, Any]:
    data = {name: value for name, value in vars(summary).items() if name != "errors"}
    data["errors"] = (summary.errors.total, [str(e) for e in summary.errors.items])
    return data


@pytest.mark.parametrize("workers", [2, 3])
def test_ranges_over_processes_give_the_summary_of_one_pass(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "train.jsonl"
    corpus(path)
    checks = Checks(max_record_bytes=2000)
    one = summarise(path, "train.jsonl", "messages", counter(None), 60, None, checks, workers=1)
    many = summarise(path, "train.jsonl", "messages", counter(None), 61, None, checks, workers=workers)
    assert one.rows == 390 and one.errors.total == 12 and one.duplicates.total == 7
    assert one.pii.total and one.artifacts.total and one.long_replies.total and one.shape.total
    assert one.errors.items[-1].location.line == 409  # the oversized line, counted after the blank ones
    same, other = plain(one), plain(many)
    same.pop("too_long"), other.pop("too_long")  # the limits differ (so the second is no cached copy)
    assert other == same


def test_small_batches_and_a_small_memo_give_the_same_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftspec.data import turns
    from ftspec.data.message_batch import BATCH_FILE_BYTES, preload

    preload(BATCH_FILE_BYTES)  # the ASCII messages judged in batches, as in a large file
    path = tmp_path / "train.jsonl"
    corpus(path)
    checks = Checks(max_record_bytes=2000)
    want = plain(summarise(path, "train.jsonl", "messages", counter(None), 60, None, checks, workers=1))
    monkeypatch.setattr(turns, "BATCH_ROWS", 5)
    monkeypatch.setattr(turns, "BATCH_CHARS", 300)  # batches of one or two records, parts of a few messages
    monkeypatch.setattr(turns, "MEMO_LIMIT", 9)  # the memo cleared before most batches
    got = plain(summarise(path, "train.jsonl", "messages", counter(None), 60, "other key", checks, workers=1))
    assert got == want and want["pii"].total and want["artifacts"].total


def test_a_window_counts_the_lines_it_reads(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"a\nbb\nccc\ndd")
    with path.open("rb") as handle:
        window = Window(handle, 2, 9)
        assert list(window) == [b"bb\n", b"ccc\n"] and window.lines == 2
    with path.open("rb") as handle:
        window = Window(handle, 9, 11)
        assert list(window) == [b"dd"] and window.lines == 1


def test_ranges_cover_the_file_in_order(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"".join(b"%d\n" % i for i in range(5000)))
    parts = map_ranges(path, lambda start, end: path.read_bytes()[start:end], 2)
    assert len(parts) > 2 and b"".join(parts) == path.read_bytes()


ROLES = st.sampled_from(["system", "user", "assistant", "tool", "bot", None, 3])
CONTENT = st.sampled_from(["hello there", "", "  ", None, [{"type": "text", "text": "hi"}], [{"type": "image"}]])
MESSAGE = st.one_of(
    st.fixed_dictionaries({"role": ROLES, "content": CONTENT}),
    st.fixed_dictionaries({"role": ROLES, "content": CONTENT, "tool_calls": st.sampled_from([[], [{"id": 1}]])}),
    st.sampled_from(["text", 1, None]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(MESSAGE, max_size=6))
def test_the_format_fast_path_passes_exactly_the_well_formed_records(messages: list[Any]) -> None:
    """Turns.record says a record is well formed (the exact check is skipped) only when it has no problem, on
    its own or given its messages' memo keys by Turns.batches."""
    turns = Turns(Checks(), counter(None), None)
    alone, keyed = Summary("d.jsonl"), Summary("d.jsonl")
    well_formed = turns.record(alone, 1, {"messages": messages})
    assert well_formed == (not message_problems(messages))
    [[(line, row, keys, after)]] = Turns(Checks(), counter(None), None).batches([(1, {"messages": messages})])
    assert turns.record(keyed, line, row, keys, after) == well_formed and keyed == alone


def test_split_points_fall_on_line_starts_past_long_lines(tmp_path: Path) -> None:
    from ftspec.data.ranges import split_points

    path = tmp_path / "d.jsonl"
    path.write_bytes(b"a\n" + b"x" * (3 << 20) + b"\nb\n" + b"c\n" * 1000)
    points = split_points(path, 8)
    data = path.read_bytes()
    assert points[0] == 0 and points[-1] == len(data) and points == sorted(set(points))
    assert all(data[p - 1 : p] == b"\n" for p in points[1:-1])
    assert len(points) > 3  # the lines after the long one are split too


def test_small_files_and_systems_without_fork_use_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from ftspec.data import ranges

    monkeypatch.setattr(ranges.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    assert ranges.workers_for(ranges.PARALLEL_BYTES - 1) == 1
    assert ranges.workers_for(ranges.PARALLEL_BYTES) == 2 and ranges.workers_for(1 << 30) == 4
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert ranges.workers_for(1 << 30) == 1


def test_the_pass_pauses_the_cycle_collector_and_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    during: list[bool] = []
    monkeypatch.setattr(Turns, "batches", lambda self, rows: during.append(gc.isenabled()) or iter(()))
    (tmp_path / "d.jsonl").write_text("{}\n")
    summarise(tmp_path / "d.jsonl", "d.jsonl", "messages", counter(None), None, None, workers=1)
    assert during == [False] and gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("a bug in a check")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_cycles_other_code_makes_during_a_pass_are_freed_batch_by_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is paused for a pass, not off: a tokenizer that leaves a reference cycle per record does not
    make the pass's memory grow with the file."""
    import weakref

    from ftspec.data import turns as turns_module

    class Node:
        me: Any = None

    alive: weakref.WeakSet[Node] = weakref.WeakSet()
    seen: list[int] = []

    class Looping:
        exact = True

        def count(self, row: Any) -> int:
            node = Node()
            node.me = node
            alive.add(node)
            seen.append(len(alive))
            return 10

    monkeypatch.setattr(turns_module, "BATCH_ROWS", 4)
    path = tmp_path / "d.jsonl"
    record = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    path.write_text("".join(json.dumps(record) + "\n" for _ in range(40)))
    summarise(path, "d.jsonl", "messages", Looping(), 100, "looping", workers=1)
    assert len(seen) == 40 and max(seen) <= 4


TEXTS = st.sampled_from([
    "hello there", "", "Call me on +44 20 7946 0958 about it.", "I'm Claude, made by Anthropic.",
    "我的老板不听我的意见，我很难过", " ".join(["word"] * 40), "Café au lait, s'il vous plaît, et merci beaucoup.",
    1, True, None, [{"type": "text", "text": "hi"}],  # 1 == True: equal, yet their texts differ ("1", "True")
])
TURN = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool", 1, True]),
                              "content": TEXTS})


@st.composite
def sliced(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Transcripts and their prefix slices, one after another as the split stage writes them, some slices
    changed in an early message (to a value == the old one but of another type, or to other text)."""
    records = []
    for transcript in draw(st.lists(st.lists(TURN, min_size=1, max_size=7), max_size=4)):
        for cut in sorted(draw(st.lists(st.integers(1, len(transcript)), min_size=1, max_size=4))):
            messages = [dict(m) for m in transcript[:cut]]
            if draw(st.booleans()) and draw(st.booleans()):
                messages[draw(st.integers(0, cut - 1))]["content"] = draw(TEXTS)
            records.append({"messages": messages})
    return records


def _folded(records: list[dict[str, Any]]) -> tuple[Any, ...]:
    summary, turns = Summary("d.jsonl"), Turns(Checks(), counter(None), 20)
    formed = [turns.record(summary, line, row, keys, after) for batch in turns.batches(enumerate(records, 1))
              for line, row, keys, after in batch]
    return plain(summary), formed, bytes(turns.digests)


@settings(max_examples=300, deadline=None)
@given(sliced())
def test_a_slice_that_resumes_the_previous_records_fold_gets_the_verdicts_of_a_fresh_one(
    records: list[dict[str, Any]],
) -> None:
    """Resuming from the previous record's fold (see turns.Fold) changes no verdict: the same summary, format
    verdicts and digests as when every record is folded from its first message."""
    from unittest import mock

    from ftspec.data import turns

    resumed = _folded(records)
    with mock.patch.object(turns, "_begins_with", lambda messages, first: False):
        assert _folded(records) == resumed
