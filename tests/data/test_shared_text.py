"""Real-shaped chat data: shared boilerplate yields no contamination finding; planted leaks are found at their
lines, exact copies apart from n-gram overlaps; what was left out is reported."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ftspec.data.comparison import Comparison
from ftspec.data.contamination import Report, check, file_batches
from tests.data.chat_corpus import INSTRUCTION, SYSTEM, chat_corpus


def run(train: Path, eval_: Path, comparison: Comparison | None = None) -> Report:
    references = list(file_batches(eval_, "eval.jsonl"))
    return check([(train, "train.jsonl")], references, comparison or Comparison(), lines=True)


def test_boilerplate_is_left_out_and_planted_leaks_are_found(tmp_path: Path) -> None:
    corpus = chat_corpus()
    train, eval_ = corpus.write(tmp_path)
    report = run(train, eval_)
    assert {f.train.line for f in report.exact} == corpus.exact
    assert {f.train.line for f in report.overlap} == corpus.ngram
    summary = f"{len(corpus.exact)} exact copies, {len(corpus.ngram)} overlapping records"
    assert report.summary() == summary
    left = "\n".join(report.left_out)
    assert "system messages (data.contamination.roles: [user, assistant, tool])" in left
    # the fixed instruction every first user message opens with: a shared word sequence, on both sides
    assert "shared word sequence" in left and INSTRUCTION.lower().split()[3] in left


def test_a_shared_system_prompt_is_left_out_when_its_role_is_compared(tmp_path: Path) -> None:
    corpus = chat_corpus(seed=1)
    train, eval_ = corpus.write(tmp_path)
    roles = Comparison(roles=("system", "user", "assistant"))
    report = run(train, eval_, roles)
    assert {f.train.line for f in report.exact} == corpus.exact
    assert {f.train.line for f in report.overlap} == corpus.ngram
    left = "\n".join(report.left_out)
    rows = len(corpus.train)
    assert f"1 shared message in {rows} of {rows} training records: {SYSTEM[:40]!r}"[:-1] in left


def test_without_leaving_shared_text_out_every_record_matches(tmp_path: Path) -> None:
    """The control: the same data compared on everything flags every training record."""
    corpus = chat_corpus(seed=2)
    train, eval_ = corpus.write(tmp_path)
    everything = dataclasses.replace(Comparison.exhaustive(), roles=("system", "user", "assistant"))
    report = run(train, eval_, everything)
    assert report.records == len(corpus.train)


@pytest.mark.parametrize("share", [0.5, 0.9])
def test_fixed_instruction_inside_a_message_is_not_a_leak(tmp_path: Path, share: float) -> None:
    corpus = chat_corpus(seed=3, copies=0, quotes=0)
    train, eval_ = corpus.write(tmp_path)
    report = run(train, eval_, Comparison(shared_share=share))
    assert report.records == 0 and report.hits == 0


def test_command_reports_exact_copies_first_with_one_summary_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ftspec.cli import cli

    corpus = chat_corpus(seed=4)
    train, eval_ = corpus.write(tmp_path)
    result = CliRunner().invoke(cli, ["contamination", str(train), str(eval_)])
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and lines[0] == "exact copies:"
    copies = [int(line.split(":")[1]) for line in lines[1 : 1 + len(corpus.exact)]]
    assert set(copies) == corpus.exact
    assert lines[1 + len(corpus.exact)] == "overlapping records:"
    assert any(line.startswith("left out: 1 shared word sequence") or "shared word sequence" in line for line in lines)
    assert lines[-1].startswith(f"{len(corpus.exact)} exact copies, {len(corpus.ngram)} overlapping records; ")
    report = json.loads(CliRunner().invoke(cli, ["contamination", str(train), str(eval_), "--format", "json"]).stdout)
    assert (report["exact_copies"], report["overlapping_records"]) == (len(corpus.exact), len(corpus.ngram))
    assert [h["kind"] for h in report["hits"]][: len(corpus.exact)] == ["exact"] * len(corpus.exact)
    assert any("shared word sequence" in x for x in report["left_out"])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sampled_training_side_and_parallel_ranges_find_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from ftspec.data import contamination as engine
    from ftspec.data import contamination_parallel

    corpus = chat_corpus(seed=5)
    train, eval_ = corpus.write(tmp_path)
    whole = run(train, eval_)
    monkeypatch.setattr(engine, "SAMPLE_BYTES", train.stat().st_size // 3)  # shared text from 16 ranges
    monkeypatch.setattr(contamination_parallel, "PARALLEL_BYTES", 0)
    references = list(file_batches(eval_, "eval.jsonl"))
    sampled = check([(train, "train.jsonl")], references, Comparison(), workers, lines=True)
    assert sampled.lines == whole.lines and sampled.lines
    assert (sampled.exact_records, sampled.overlap_records) == (len(corpus.exact), len(corpus.ngram))
    assert any("sampled training records" in x for x in sampled.left_out)


def test_a_sequence_shared_only_by_the_training_records_is_left_out(tmp_path: Path) -> None:
    """A sign-off in every training reply and in one eval reply of five: only the training side shows it is
    boilerplate, so the index drops it there (else that eval record would match every training record)."""
    import random

    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(3000)]
    sign_off = "remember that you can always come back and talk to me about this whenever you need to friend"

    def words() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(30))

    def chat(extra: str = "") -> str:
        reply = f"{words()} {extra}".strip()
        return json.dumps({"messages": [{"role": "user", "content": words()}, {"role": "assistant", "content": reply}]})

    train, eval_ = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text("".join(chat(sign_off) + "\n" for _ in range(40)))
    eval_.write_text("".join(chat(sign_off if i == 0 else "") + "\n" for i in range(5)))
    report = run(train, eval_)
    assert report.records == 0 and report.hits == 0
    assert any("shared word sequence" in x and "40 of 40 training records" in x for x in report.left_out)
