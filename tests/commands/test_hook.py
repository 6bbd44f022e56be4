"""`ftspec hook check|pre-push|commit-msg`: the entry points behind the hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.commands.hook import hook_check, hook_commit_msg, hook_pre_push, projects_for
from tests.gitrepo import git


def test_files_outside_any_project_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi\n")
    assert projects_for([tmp_path / "README.md"]) == []
    assert hook_check([tmp_path / "README.md"]) == 0


def test_pre_push_checks_every_tracked_project(
    decision_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook_pre_push(decision_repo) == 1  # the fixture has no rubric etc.: its schema gates fail
    assert "decisions.logged" in capsys.readouterr().out


def test_commit_msg_reads_trailers_like_git(decision_repo: Path, tmp_path: Path) -> None:
    with (decision_repo / "decision-log.md").open("a") as f:
        f.write("\n## DATA-001: Source\n\n**Decision:** synthetic\n")
    git(decision_repo, "add", "decision-log.md")
    message = tmp_path / "MSG"
    message.write_text(
        "Add DATA-001\n\nDecision-Id: DATA-001\n\nBody text is no trailer.\n"
    )
    assert hook_commit_msg(message, decision_repo) == 1
    message.write_text("Add DATA-001\n\nBody.\n\nDecision-Id: data-001\n# Please enter the commit message\n")
    assert hook_commit_msg(message, decision_repo) == 0
