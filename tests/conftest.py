"""Shared test helpers: the worked example and copies of it."""

from __future__ import annotations

import functools
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ftspec.loader import parse_yaml

# Import ruamel (and build ftspec's cached parser) before any pytester run: pytester drops modules first
# imported during an in-process run, and a re-imported ruamel's classes would not match the cached parser's.
parse_yaml("warm: up\n", "conftest.yaml")

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
WORKED = REPO / "spec-templates" / "worked-example"
BLANK = REPO / "spec-templates" / "blank"


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a template project (without caches) at ``target``."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ftspec", "__pycache__", ".pytest_cache"))
    return target


@pytest.fixture
def worked(tmp_path: Path) -> Path:
    """A fresh copy of the worked example."""
    return copy_project(WORKED, tmp_path / "project")


@functools.cache
def worked_outcomes() -> Counter[str]:
    """How many gates pass / skip on the worked example (other branches add gates that may skip there)."""
    from ftspec.gates.registry import all_gates
    from ftspec.gates.runner import run_gate
    from ftspec.project import Project

    project = Project(WORKED)
    return Counter(run_gate(gate, project).outcome for gate in all_gates().values())
