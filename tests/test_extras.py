"""A missing optional dependency is one line naming the extra that installs it, never an internal error."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftspec.cache import ResultCache
from ftspec.cli import cli
from ftspec.extras import missing_extra
from ftspec.gates.registry import Gate
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from ftspec.results import Finding
from tests.projects import make_project


def test_names_the_extra_of_an_optional_module_only() -> None:
    assert missing_extra(ModuleNotFoundError("x", name="numpy.linalg")) == (
        "needs numpy, from the data extra: pip install 'ftspec[data]'")
    assert missing_extra(ModuleNotFoundError("x", name="dvc")) == (
        "needs dvc, from the pipeline extra: pip install 'ftspec[pipeline]'")
    assert missing_extra(ModuleNotFoundError("x", name="ftspec.nothing")) is None  # a real bug stays one
    assert missing_extra(ValueError("numpy")) is None


@pytest.fixture
def no_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import numpy` fails as it does without the data extra (a None entry in sys.modules)."""
    for name in [m for m in sys.modules if m == "numpy" or m.startswith(("numpy.", "pyarrow"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "numpy", None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)


def test_contamination_without_the_data_extra_is_one_line(tmp_path: Path, no_numpy: None) -> None:
    for name in ("train.jsonl", "eval.jsonl"):
        (tmp_path / name).write_text('{"text": "hello there"}\n')
    result = CliRunner().invoke(cli, ["contamination", str(tmp_path / "train.jsonl"), str(tmp_path / "eval.jsonl")])
    assert result.exit_code == 4
    assert result.output.strip().splitlines() == [
        "ftspec: this command needs numpy, from the data extra: pip install 'ftspec[data]'"]


def test_a_gate_whose_dependency_is_missing_is_skipped_with_the_extra(tmp_path: Path) -> None:
    def needs_numpy(ctx: object) -> Iterator[Finding]:
        raise ModuleNotFoundError("No module named 'numpy'", name="numpy")
        yield  # a generator, like the real gates

    def buggy(ctx: object) -> Iterator[Finding]:
        raise ModuleNotFoundError("No module named 'ftspec.gone'", name="ftspec.gone")
        yield

    project = Project(make_project(tmp_path / "p"))
    result = run_gate(Gate("data.example", "data", needs_numpy, "d", "s"), project)
    assert (result.outcome, result.reason) == (
        "skipped", "this gate needs numpy, from the data extra: pip install 'ftspec[data]'")
    cache = ResultCache(project.root)
    cache.store(result)
    assert cache.lookup("data.example") is None  # never replayed: once numpy is installed the gate runs
    with pytest.raises(ModuleNotFoundError):
        run_gate(Gate("data.buggy", "data", buggy, "d", "s"), project)
