"""Shared test set-up: a fixed git identity and date (tests never depend on the machine's git config), and
copies of the worked example."""

from __future__ import annotations

import functools
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ftspec.loader import parse_yaml
from tests.gitrepo import decision_repo, git_isolated  # noqa: F401 - fixtures: real git repositories

os.environ.update(
    GIT_AUTHOR_NAME="Test Author", GIT_AUTHOR_EMAIL="author@example.com",
    GIT_COMMITTER_NAME="Test Author", GIT_COMMITTER_EMAIL="author@example.com",
    GIT_AUTHOR_DATE="2026-01-01T12:00:00+00:00", GIT_COMMITTER_DATE="2026-01-01T12:00:00+00:00",
    GIT_CONFIG_NOSYSTEM="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
)

# Import ruamel (and build ftspec's cached parser) before any pytester run: pytester drops modules first
# imported during an in-process run, and a re-imported ruamel's classes would not match the cached parser's.
parse_yaml("warm: up\n", "conftest.yaml")

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
WORKED = REPO / "spec-templates" / "worked-example"
WORKED_EXAMPLE = WORKED
BLANK = REPO / "spec-templates" / "blank"


def copy_project(source: Path, target: Path, own_gates: bool = False) -> Path:
    """A copy of a template project (without caches, and without its own gates/ unless asked) at ``target``."""
    skip = [".ftspec", "__pycache__", ".pytest_cache"] + ([] if own_gates else ["gates"])
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*skip))
    return target


@pytest.fixture
def worked(tmp_path: Path) -> Path:
    """A fresh copy of the worked example."""
    return copy_project(WORKED, tmp_path / "project")


@pytest.fixture
def worked_example(worked: Path) -> Path:
    """A fresh copy of the worked example (no git repository)."""
    return worked


@functools.cache
def worked_outcomes() -> Counter[str]:
    """How many gates pass / skip on the worked example (other branches add gates that may skip there)."""
    import tempfile

    from ftspec.gates.registry import all_gates
    from ftspec.gates.runner import run_gate
    from ftspec.project import Project

    # A copy outside any git repository, like the tests' copies (decision gates skip there).
    project = Project(copy_project(WORKED, Path(tempfile.mkdtemp(prefix="ftspec-worked-")) / "project"))
    return Counter(run_gate(gate, project).outcome for gate in all_gates().values())
