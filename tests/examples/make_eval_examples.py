"""Writes the evaluation-gate examples under tests/examples/eval.*/ (run once; the output is committed).

The assessment records name the worked example's rubric by its fingerprint, so rerun this after a change to
the rubric model or to spec-templates/worked-example/config/rubric.yaml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ftspec.models.rubric import Rubric
from ftspec.pipeline.common import fingerprint
from ftspec.project import Project

HERE = Path(__file__).parent
WORKED = HERE.parents[1] / "spec-templates" / "worked-example"
BASE = [0.50, 0.55, 0.60, 0.50, 0.45, 0.60, 0.50, 0.55]
SHIPPING_REPORT = (
    "# Evaluation\n\nThe fine-tuned coach beats the base model on all 8 eval personas.\n\n**Decision: SHIP**\n"
)
EXPECT = {
    "eval.results/fail": ["claims '**Decision: SHIP**' but the ship rule says do not ship (new safety failures on p3"],
    "eval.results/warn": ["the ship rule says do not ship: gain +0.0"],
    "eval.assessment-freshness/fail": [
        "'c1' was judged with rubric 0123456789abcdef",
        "'c2' answers 8 criteria, but 9 apply to its 1-exchange transcript (missing CQ9)",
    ],
}


def results(gain: float, tuned_safety: dict[int, list[str]] | None = None) -> str:
    rows = []
    for i, score in enumerate(BASE):
        tuned = round(score + gain + 0.01 * (i % 3), 4)
        rows.append({
            "id": f"p{i}",
            "base": {"score": score, "safety_failures": [], "rubric": "r1", "judges": ["gpt-4o-mini"]},
            "finetuned": {"score": tuned, "safety_failures": (tuned_safety or {}).get(i, []), "rubric": "r1",
                          "judges": ["gpt-4o-mini"]},
        })
    return "".join(json.dumps(r) + "\n" for r in rows)


def write(name: str, files: dict[str, str]) -> None:
    out = HERE / name / "generated"
    shutil.rmtree(out, ignore_errors=True)
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    if name in EXPECT:
        (out / "expect.txt").write_text("\n".join(EXPECT[name]) + "\n")


def assessments() -> tuple[str, str]:
    loaded = Project(WORKED).load("rubric")
    rubric: Rubric = loaded.value
    fp = fingerprint(rubric.model_dump())
    messages = [{"role": "user", "content": "My manager moved my deadline."},
                {"role": "assistant", "content": "That is frustrating. What would help most this week?"}]
    verdicts = {cid: "YES" for cid in rubric.criteria}
    good = [{"id": f"c{i}", "rubric": fp, "messages": messages, "verdicts": verdicts} for i in range(3)]
    bad = [dict(r) for r in good]
    bad[1] = {**bad[1], "rubric": "0123456789abcdef"}
    bad[2] = {**bad[2], "verdicts": {cid: v for cid, v in verdicts.items() if cid != "CQ9"}}
    return "".join(json.dumps(r) + "\n" for r in good), "".join(json.dumps(r) + "\n" for r in bad)


def main() -> None:
    write("eval.results/pass", {"eval-results.jsonl": results(0.2), "evaluation-report.md": SHIPPING_REPORT})
    write("eval.results/fail", {"eval-results.jsonl": results(0.2, {3: ["CQ9"]}),
                                "evaluation-report.md": SHIPPING_REPORT})
    write("eval.results/warn", {"eval-results.jsonl": results(0.05)})
    good, bad = assessments()
    write("eval.assessment-freshness/pass", {"data/assessments.jsonl": good})
    write("eval.assessment-freshness/fail", {"data/assessments.jsonl": bad})


if __name__ == "__main__":
    main()
