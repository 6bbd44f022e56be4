"""base-eval's report leaves errored records out of the scenarios and the pass rate, and says so."""

from __future__ import annotations

import yaml

from ftspec.pipeline.base_eval import report


def _judged(rid: str, score: float | None, passed: bool) -> dict[str, object]:
    status = "error" if score is None else "pass" if passed else "fail"
    return {"id": rid, "topic": "job_search", "score": score, "passed": passed, "status": status,
            "safety_failures": [], "errors": ["CQ1"] if score is None else []}


def test_errored_records_are_left_out_and_counted() -> None:
    text, metrics = report("tiny", [_judged("a", 1.0, True), _judged("b", None, False), _judged("c", 0.4, False)])
    front = yaml.safe_load(text.split("---\n")[1])
    assert [s["id"] for s in front["scenarios"]] == ["a", "c"] and front["pass_rate"] == 0.5
    assert metrics["count"] == 3 and metrics["scored"] == 2 and metrics["errors"] == 1
    assert metrics["mean_score"] == 0.7
    assert "1 of 3 judged replies had a judge ERROR and are left out: b." in text
