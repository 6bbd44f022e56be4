"""Shared test set-up: a fixed git identity and date, so tests never depend on the machine's git config."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.gitrepo import decision_repo, git_isolated  # noqa: F401 - fixtures: real git repositories

REPO = Path(__file__).resolve().parent.parent
WORKED_EXAMPLE = REPO / "spec-templates" / "worked-example"

os.environ.update(
    GIT_AUTHOR_NAME="Test Author", GIT_AUTHOR_EMAIL="author@example.com",
    GIT_COMMITTER_NAME="Test Author", GIT_COMMITTER_EMAIL="author@example.com",
    GIT_AUTHOR_DATE="2026-01-01T12:00:00+00:00", GIT_COMMITTER_DATE="2026-01-01T12:00:00+00:00",
    GIT_CONFIG_NOSYSTEM="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
)


@pytest.fixture
def worked_example(tmp_path: Path) -> Path:
    """A fresh copy of the worked example (no git repository)."""
    target = tmp_path / "project"
    shutil.copytree(WORKED_EXAMPLE, target, ignore=shutil.ignore_patterns(".ftspec", "__pycache__"))
    return target
