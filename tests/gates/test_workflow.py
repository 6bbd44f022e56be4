"""Workflow gates: step ids, decision-log reading, skip records, and when the step-5 gates apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.gates.workflow import is_skip_record, logged_decision_ids, step_number
from ftspec.loader import parse_markdown
from tests.projects import make_project, run

SC, TS = "sidecar.yaml", "phase-2-training/training-spec.md"


@pytest.mark.parametrize(("step", "number"), [(5, 5), ("5", 5), ("2a", 2), ("10", 10), ("2A", 2), (" 3 ", 3),
                                             ("five", None), (0, None), ("2ab", None), ("", None)])
def test_step_number(step: int | str, number: int | None) -> None:
    assert step_number(step) == number


def test_logged_decision_ids_reads_h2_and_h3_any_case() -> None:
    doc = parse_markdown(
        "# Decision log\n\n## TRAIN-001: Base Model\n\ntext\n\n### data-req-002: Sources\n\n"
        "#### EVAL-001: too deep\n\n## Notes\n", "decision-log.md")
    assert logged_decision_ids(doc) == {"TRAIN-001": 3, "DATA-REQ-002": 7}


def test_logged_decision_ids_skips_code_fences() -> None:
    doc = parse_markdown("```\n## TRAIN-009: example\n```\n## TRAIN-001: real\n", "decision-log.md")
    assert logged_decision_ids(doc) == {"TRAIN-001": 4}


@pytest.mark.parametrize(("text", "skipped"), [
    ("**Status:** SKIPPED\n", True), ("- **Status:** skipped (rag-only)\n", True),
    ("| Status | SKIPPED |\n", True), ("**Status:** designed\n", False), ("Status: SKIPPED\n", False),
])
def test_is_skip_record(text: str, skipped: bool) -> None:
    assert is_skip_record(parse_markdown("# Step 5\n\n" + text, TS)) is skipped


def test_rag_only_gate_waits_for_step_5(tmp_path: Path) -> None:
    root = make_project(tmp_path, "rag-only", remove=[TS], replace={SC: [
        ("currentStep: 6", "currentStep: 5"), ("stepsCompleted: [1, 2, 3, 4, 5]", "stepsCompleted: [1, 2, 3, 4]")]})
    result = run("workflow.rag-only-skip", root)
    assert (result.outcome, result.reason) == ("skipped", "step 5 is not completed yet")


def test_training_outputs_wait_for_step_5(tmp_path: Path) -> None:
    root = make_project(tmp_path, remove=[TS], replace={SC: [
        ("currentStep: 6", "currentStep: 5"), ("stepsCompleted: [1, 2, 3, 4, 5]", "stepsCompleted: [1, 2, 3, 4]")]})
    assert run("workflow.training-outputs", root).outcome == "skipped"


def test_training_outputs_report_every_missing_piece(tmp_path: Path) -> None:
    root = make_project(tmp_path, remove=[TS, "config/training.yaml", "decision-log.md"])
    result = run("workflow.training-outputs", root)
    messages = [f.message for f in result.findings]
    assert result.outcome == "failed" and len(messages) == 3, messages
    assert all(f.path == SC for f in result.findings)


def test_rag_only_record_reports_all_problems(tmp_path: Path) -> None:
    root = make_project(tmp_path, "rag-only", files={TS: "# Step 5\n\nnothing here\n"},
                        replace={SC: [("phase_2_training: skipped", "phase_2_training: designed")]})
    result = run("workflow.rag-only-skip", root)
    assert sorted(f.message for f in result.findings) == [
        "not a skip record", "phases.phase_2_training is designed", "the skip record gives no reason"]


def test_architecture_follows_the_manifest(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={SC: [("architecture: fine-tuning", "architecture: rag-only")]})
    (finding,) = run("workflow.architecture", root).findings
    assert (finding.path, finding.line) == (SC, 4)
