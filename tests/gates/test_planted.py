"""A generated corpus of long sliced conversations with one defect of each kind planted at a known line: every
data gate finds its defect at that line and nothing else, and the clean corpus passes them all."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project

ROOT = Path(__file__).parents[2]
BASE = ROOT / "tests" / "examples" / "data.format" / "pass" / "generated"
SYSTEM = "You are a warm, practical career coach. Keep replies short and end with at most one question."
USER = ["My manager moved my deadline again and I feel {f} about the project we started in {m}.",
        "I think I should ask for a raise, but I am {f} about how the conversation with her will go.",
        "The recruiter called about a role in {m}; it pays more but I would have to move cities."]
COACH = ["That sounds {f}. What outcome would make this week feel manageable for you?",
         "Write down the two points you want to make, then practise them once out loud tonight.",
         "A move is a big step. What matters more to you right now: the pay or staying near family?"]
FEELINGS, MONTHS = ["anxious", "tired", "hopeful", "stuck"], ["May", "June", "March"]


def conversation(rng: random.Random, exchanges: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for i in range(exchanges):
        f, m = rng.choice(FEELINGS), rng.choice(MONTHS)
        messages.append({"role": "user", "content": f"{rng.choice(USER).format(f=f, m=m)} (day {i})"})
        messages.append({"role": "assistant", "content": f"{rng.choice(COACH).format(f=f)} Day {i}."})
    return messages


def corpus(seed: int, transcripts: int, prefix: str) -> list[dict[str, object]]:
    """Each transcript sliced at growing prefixes, as the split stage does."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for t in range(transcripts):
        full = conversation(rng, 8)
        for cut in (3, 5, 8):
            rows.append({"messages": full[: 1 + 2 * cut], "metadata": {"source_id": f"{prefix}{t}"}})
    return rows


PLANTS = {  # gate -> (row index, the reply planted in its last assistant turn, what the finding says)
    "data.artifacts": (7, "I'm Claude, made by Anthropic. I'm not going to continue generating this training data.",
                       "self-identification as an AI model"),
    "data.language": (13, "我理解这周对你来说很难。我们先写下你希望从会议中得到的三个结果，"
                          "然后决定哪一个对你现在最重要。",
                      "Chinese characters"),
    "data.pii": (21, "Call me on +33 1 42 68 53 00 or wire it to UA213223130000026007233566001.", "phone number"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "spec-templates" / "worked-example", root)
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    (root / "ftspec.yaml").write_text((root / "ftspec.yaml").read_text()
                                      + "  data.min-count: {skip: small corpus}\n")
    return root


def write(root: Path, train: list[dict[str, object]], raw: dict[int, str] | None = None) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in train]
    for index, text in (raw or {}).items():
        lines[index] = text
    (root / "data" / "train.jsonl").write_text("\n".join(lines) + "\n")
    (root / "data" / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus(99, 2, "e")))


def findings(root: Path, gate_id: str) -> list[str]:
    result = run_gate(all_gates()[gate_id], Project(root))
    return [f.render() for f in result.findings]


CONTENT_GATES = ["data.format", "data.pii", "data.duplicates", "data.length-ratio", "data.artifacts", "data.language"]


@pytest.mark.parametrize("gate_id", CONTENT_GATES)
def test_the_clean_corpus_passes(project: Path, gate_id: str) -> None:
    write(project, corpus(1, 10, "t"))
    assert findings(project, gate_id) == []


def test_each_planted_defect_is_found_at_its_line(project: Path) -> None:
    train = corpus(1, 10, "t")
    for index, reply, _ in PLANTS.values():
        messages = list(train[index]["messages"])  # type: ignore[call-overload]
        messages[-1] = {"role": "assistant", "content": reply}
        if index == 13:  # the language gate judges the record: make most of its replies Chinese
            messages = [{**m, "content": reply} if m["role"] == "assistant" else m for m in messages]
        train[index] = {**train[index], "messages": messages}
    wordy = list(train[4]["messages"])  # type: ignore[call-overload]
    train[4] = {"messages": [m if m["role"] != "assistant" else {**m, "content": " ".join(["word"] * 80)}
                             for m in wordy]}
    write(project, train, {26: '{"messages": [' + '"x", ' * 2 + '"y"]}'})
    for gate_id, (index, _, what) in PLANTS.items():
        found = findings(project, gate_id)
        assert len(found) >= 1 and all(f.startswith(f"data/train.jsonl:{index + 1}:") for f in found), found
        assert what in found[0]
    malformed = findings(project, "data.format")
    assert malformed and all(f.startswith("data/train.jsonl:27:") for f in malformed), malformed
    assert "message 0 is not an object" in malformed[0]
    (long,) = findings(project, "data.length-ratio")
    assert long.startswith("data/train.jsonl:5:") and "in 5 of 5 turns" in long


def test_a_record_over_the_size_limit_is_one_finding(project: Path) -> None:
    train = corpus(1, 3, "t")
    big = json.dumps({"messages": [{"role": "user", "content": "x" * 5000}, {"role": "assistant", "content": "ok"}]})
    write(project, train, {2: big})
    (project / "ftspec.yaml").write_text((project / "ftspec.yaml").read_text()
                                         + "  data.format: {max_record_bytes: 4000}\n")
    (found,) = findings(project, "data.format")
    assert found.startswith("data/train.jsonl:3:") and "over the 4,000-byte limit" in found
    assert findings(project, "data.pii") == []  # the other gates read past it


def test_a_bad_artifact_pattern_is_a_finding_on_the_manifest(project: Path) -> None:
    write(project, corpus(1, 3, "t"))
    (project / "ftspec.yaml").write_text((project / "ftspec.yaml").read_text()
                                         + "  data.artifacts: {patterns: {note: '(unclosed'}}\n")
    (found,) = findings(project, "data.artifacts")
    assert found.startswith("ftspec.yaml:") and "bad pattern note: '(unclosed'" in found
    assert findings(project, "data.pii") == []  # the shared pass goes on without the broken pattern
