"""Decision gates that read git history, on real repositories built in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from ftspec.results import GateResult
from tests.gitrepo import FIXTURES, git

ENTRY = (
    "\n## TRAIN-002: Approach\n\n**Decision:** SFT\n**Date:** 2026-01-11\n"
    "**Step:** 5\n**Rationale:** Because.\n"
)
DECISION = "  - id: TRAIN-002\n    step: 5\n    choice: SFT\n    rationale: Because.\n"


def run(gate_id: str, root: Path) -> GateResult:
    return run_gate(all_gates()[gate_id], Project(root))


def add_decision(repo: Path, trailer: bool) -> None:
    with (repo / "decision-log.md").open("a") as f:
        f.write(ENTRY)
    with (repo / "sidecar.yaml").open("a") as f:
        f.write(DECISION)
    git(repo, "add", "-A")
    git(
        repo,
        "commit",
        "-q",
        "-m",
        "add TRAIN-002",
        *(["--trailer", "Decision-Id: TRAIN-002"] if trailer else []),
    )


def test_committed_passes_when_trailers_exist(decision_repo: Path) -> None:
    add_decision(decision_repo, trailer=True)
    assert run("decisions.committed", decision_repo).outcome == "passed"


def test_committed_fails_without_trailer(decision_repo: Path) -> None:
    add_decision(decision_repo, trailer=False)
    result = run("decisions.committed", decision_repo)
    assert result.outcome == "failed"
    assert [f.render().split(":")[:2] for f in result.findings] == [["sidecar.yaml", "14"]]
    assert "Decision-Id: TRAIN-002" in result.findings[0].message


def test_committed_ignores_a_decision_being_committed(decision_repo: Path) -> None:
    with (decision_repo / "sidecar.yaml").open("a") as f:
        f.write(DECISION)  # not in HEAD yet: the commit-msg hook checks this commit's trailer
    assert run("decisions.committed", decision_repo).outcome == "passed"


def test_committed_tracks_head_for_the_cache(decision_repo: Path) -> None:
    project = Project(decision_repo)
    run_gate(all_gates()["decisions.committed"], project)
    assert project.recording["value:git:HEAD"] == git(decision_repo, "rev-parse", "HEAD").strip()


def test_immutable_fails_on_an_edit_in_place(decision_repo: Path) -> None:
    log = decision_repo / "decision-log.md"
    log.write_text(log.read_text().replace("Qwen2.5-7B-Instruct", "Llama-3.1-8B-Instruct"))
    result = run("decisions.immutable", decision_repo)
    assert result.outcome == "failed"
    assert (
        result.findings[0]
        .render()
        .startswith("decision-log.md:3:1: decision TRAIN-001 was edited after commit")
    )


def test_immutable_fails_on_removal(decision_repo: Path) -> None:
    (decision_repo / "decision-log.md").write_text("# Decision Log\n")
    assert "was removed" in run("decisions.immutable", decision_repo).findings[0].message


def test_immutable_allows_editing_a_superseded_decision(decision_repo: Path) -> None:
    log = decision_repo / "decision-log.md"
    text = log.read_text().replace(
        "**Step:** 5\n**Rationale:** Fits", "**Step:** 5\n**Status:** superseded\n**Rationale:** Fits"
    )
    log.write_text(
        text + ENTRY.replace("Rationale:** Because.", "Rationale:** Because.\n**Supersedes:** TRAIN-001")
    )
    assert run("decisions.immutable", decision_repo).outcome == "passed"


def test_immutable_ignores_whitespace_only_changes(decision_repo: Path) -> None:
    log = decision_repo / "decision-log.md"
    log.write_text(log.read_text().replace("QLoRA.", "QLoRA.   "))
    assert run("decisions.immutable", decision_repo).outcome == "passed"


def test_history_gates_are_not_applicable_outside_git(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "decisions", tmp_path / "p")
    for gate_id in ("decisions.committed", "decisions.immutable"):
        result = run(gate_id, tmp_path / "p")
        assert result.outcome == "skipped" and "not inside a git repository" in result.reason


def test_gates_are_not_applicable_without_sidecar(decision_repo: Path) -> None:
    (decision_repo / "sidecar.yaml").unlink()
    for gate_id in ("decisions.logged", "decisions.committed", "decisions.immutable", "decisions.required"):
        result = run(gate_id, decision_repo)
        assert result.outcome == "skipped" and "sidecar.yaml does not exist" in result.reason


def test_shallow_clone_is_not_applicable(decision_repo: Path, tmp_path: Path) -> None:
    add_decision(decision_repo, trailer=True)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{decision_repo}", str(clone))
    result = run("decisions.committed", clone)
    assert result.outcome == "skipped" and "fetch-depth: 0" in result.reason
