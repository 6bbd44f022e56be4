"""Split by transcript first, slice per the methodology, drop contaminated slices."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ftspec.data.contamination import ContaminationIndex, Record
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.models.manifest import SplitSettings
from ftspec.pipeline import split
from ftspec.pipeline.common import load_spec, read_jsonl, write_jsonl
from ftspec.pipeline.split import cut_points, split_ids
from ftspec.project import Project
from tests.data.chat_corpus import conversation, vocabulary
from tests.projects import make_project


def test_cuts_start_after_three_exchanges_and_keep_the_last() -> None:
    for n in range(1, 30):
        cuts = cut_points(n, SplitSettings(), random.Random(n))
        assert cuts[-1] == n and (n <= 3 or cuts[0] == 3)
        assert all(2 <= b - a <= 5 for a, b in zip(cuts, cuts[1:-1], strict=False))


def test_split_is_by_transcript_and_seeded() -> None:
    ids = [f"c{i}" for i in range(20)]
    train, evals = split_ids(ids, 0.25, seed=1)
    assert not set(train) & set(evals) and len(evals) == 5 and set(train) | set(evals) == set(ids)
    assert split_ids(ids, 0.25, seed=1) == (train, evals)


def test_contaminated_training_text_is_found() -> None:
    shared = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    index = ContaminationIndex([Record("eval", 1, f"eval side {shared}")], n=13)
    hits = list(index.scan([Record("train", 1, "clean text"), Record("train", 2, f"{shared} more")]))
    assert [h.train.line for h in hits] == [2]


def _real_shaped_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A worked-example project whose generated conversations look like real data: long, one system prompt,
    a fixed instruction; one training conversation copies an eval one, another quotes an eval reply."""
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    rng = random.Random(5)
    words = vocabulary(rng)
    topics = ["job_search", "career_change", "workplace_relationships", "edge_cases"]
    convs = [
        {"id": f"conv-{i:03d}", "topic": topics[i % 4], "messages": conversation(rng, words, rng.randint(8, 12))}
        for i in range(30)
    ]
    spec = load_spec(root, None)
    train_ids, eval_ids = split_ids([c["id"] for c in convs], spec.manifest.pipeline.split.eval_fraction, 7)
    by_id = {c["id"]: c for c in convs}
    by_id[train_ids[2]]["messages"] = [dict(m) for m in by_id[eval_ids[0]]["messages"]]  # a verbatim copy
    quote = by_id[eval_ids[1]]["messages"][4]["content"].split()[:20]
    by_id[train_ids[5]]["messages"][6]["content"] += " " + " ".join(quote)  # the 3rd reply quotes an eval one
    write_jsonl(Path("data/conversations.jsonl"), convs)
    write_jsonl(Path("data/assessments.jsonl"), [{"id": c["id"], "passed": True} for c in convs])
    return root


def test_split_output_passes_the_gates_that_found_its_planted_leaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _real_shaped_run(tmp_path, monkeypatch)
    spec = load_spec(root, None)
    with monkeypatch.context() as patched:  # the slices as they are before decontamination
        patched.setattr(split, "decontaminate", lambda *args: {})
        assert split.run(spec, Path("data"), None) == 0
    before = read_jsonl(Path("data/train.jsonl"))
    result = run_gate(all_gates()["data.contamination"], Project(root))
    assert result.outcome == "failed"
    flagged = {f.line for f in result.findings if "equals" in f.message or "shares" in f.message}
    sources = {before[line - 1]["metadata"]["source_id"] for line in flagged}
    assert len(sources) == 2  # the copying and the quoting transcript, nothing else
    assert any("equals" in f.message for f in result.findings)
    summary = result.findings[-1].message
    assert "1 exact copies" in summary and "left out: system messages" in summary
    assert "shared word sequence" in summary  # the fixed instruction

    assert split.run(spec, Path("data"), Path("m.json")) == 0
    after = read_jsonl(Path("data/train.jsonl"))
    assert after == [row for n, row in enumerate(before, start=1) if n not in flagged]
    assert json.loads(Path("m.json").read_text())["contaminated_dropped"] == len(flagged)
    for gate_id in ("data.contamination", "data.split-by-source"):
        assert run_gate(all_gates()[gate_id], Project(root)).outcome == "passed", gate_id
    edge = run_gate(all_gates()["data.edge-case-share"], Project(root))
    assert edge.outcome in ("passed", "failed") and all(r["metadata"]["source_id"] for r in after)
    assert {r["metadata"]["edge_case"] for r in after} == {True, False}
