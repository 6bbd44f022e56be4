"""Git fixtures: real repositories in tmp_path (identity and date come from conftest.py's environment)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def git_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No user or system git config (hooksPath, signing, templates) leaks into a test's repositories."""
    empty = tmp_path_factory.mktemp("gitconfig") / "config"
    empty.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def decision_repo(tmp_path: Path) -> Path:
    """A git repository holding the minimal decisions fixture, committed once with TRAIN-001's trailer."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "decisions", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(
        repo,
        "commit",
        "-q",
        "-m",
        "TRAIN-001: Base Model Selection",
        "--trailer",
        "Decision-Id: TRAIN-001",
        "--trailer",
        "Decision-Step: 5",
    )
    return repo
