"""`ftspec decisions`: history (trailers) joined with the log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftspec.commands.decide import DecideOptions, decide
from ftspec.commands.decisions import decisions
from tests.gitrepo import FIXTURES, git


def test_json_joins_history_and_log(decision_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decide(
        DecideOptions(
            "TRAIN-002",
            "Base model, again",
            "Llama-3.1-8B",
            "Better license.",
            step="5",
            supersedes="TRAIN-001",
            project=decision_repo,
        )
    )
    capsys.readouterr()
    decisions(decision_repo, "json")
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["decisions"]}
    first_sha = git(decision_repo, "rev-parse", "HEAD~1").strip()
    assert rows["TRAIN-001"]["commit"] == first_sha
    assert rows["TRAIN-001"]["superseded_by"] == "TRAIN-002"
    assert (
        rows["TRAIN-001"]["choice"] == "Qwen2.5-7B-Instruct"
        and rows["TRAIN-001"]["title"] == "Base Model Selection"
    )
    assert rows["TRAIN-002"]["author"] == "Test Author <author@example.com>"
    assert rows["TRAIN-002"]["date"] == "2026-01-01T12:00:00+00:00"
    assert rows["TRAIN-002"]["superseded_by"] == ""


def test_md_and_text(decision_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decisions(decision_repo, "md")
    md = capsys.readouterr().out.splitlines()
    assert md[0].startswith("| id | title | choice | commit |") and md[2].startswith(
        "| TRAIN-001 | Base Model Sel"
    )
    decisions(decision_repo, "text")
    assert capsys.readouterr().out.startswith("TRAIN-001  ")


def test_a_decision_only_history_knows_is_listed(
    decision_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(
        decision_repo,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "DATA-001: quick call",
        "--trailer",
        "Decision-Id: DATA-001",
    )
    decisions(decision_repo, "json")
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["decisions"]}
    assert rows["DATA-001"]["logged"] is False and rows["DATA-001"]["title"] == "DATA-001: quick call"


def test_outside_git_lists_the_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(FIXTURES / "decisions", tmp_path / "p")
    decisions(tmp_path / "p", "json")
    assert json.loads(capsys.readouterr().out)["decisions"][0]["commit"] == ""
