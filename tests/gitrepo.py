"""Git fixtures: real repositories in tmp_path with a fixed identity and date (registered by conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_AUTHOR_DATE": "2026-01-10T12:00:00Z",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_COMMITTER_DATE": "2026-01-10T12:00:00Z",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test sees the same author and date and no user or system git config."""
    empty = tmp_path_factory.mktemp("gitconfig") / "config"
    empty.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


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
