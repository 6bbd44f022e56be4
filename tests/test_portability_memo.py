"""The YAML portability gate remembers the files it found portable, by content, and parses only the others."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftspec.cache import CACHE_DIR, CACHED, ResultCache
from ftspec.gates.registry import load_gate
from ftspec.gates.runner import run_gate
from ftspec.portability_memo import MEMO_FILE
from ftspec.project import Project
from ftspec.results import GateResult
from tests.conftest import WORKED, copy_project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = copy_project(WORKED, tmp_path / "project").resolve()
    yield root
    CACHED.discard(root)


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, cached: bool = True) -> tuple[GateResult, list[str]]:
    """The gate's result in a fresh process's state, and the files whose YAML it compared."""
    if cached:
        ResultCache(root)  # what a check with the cache on does first
    else:
        CACHED.discard(root)
    gate = load_gate("yaml.portability")  # imports the gate modules in the registry's order (see test_table)
    compared: list[str] = []
    real = sys.modules["ftspec.gates.portability"].find_ambiguities

    def spy(doc: Any) -> Any:
        compared.append(doc.rel)
        return real(doc)

    monkeypatch.setattr(sys.modules["ftspec.gates.portability"], "find_ambiguities", spy)
    return run_gate(gate, Project(root)), compared


def _summary(result: GateResult) -> tuple[str, list[str]]:
    return result.outcome, [f.render() for f in result.findings]


def test_files_found_portable_are_not_parsed_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, compared = _check(project, monkeypatch)
    assert "config/rubric.yaml" in compared and (project / CACHE_DIR / MEMO_FILE).is_file()
    again, compared_again = _check(project, monkeypatch)
    assert compared_again == []
    assert _summary(again) == _summary(first) == ("passed", [])
    assert again.inputs == first.inputs  # every file is still an input: an edit reruns the gate


def test_an_edited_file_is_compared_again_and_its_new_ambiguity_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(project, monkeypatch)
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text(encoding="utf-8") + "resume: yes\n", encoding="utf-8")
    result, compared = _check(project, monkeypatch)
    assert compared == ["config/training.yaml"]
    assert result.outcome == "failed"
    assert [f.message for f in result.findings] == [
        "'yes' is a string 'yes' in YAML 1.2 but a boolean True in YAML 1.1 (PyYAML)"
    ]
    again, compared_again = _check(project, monkeypatch)  # a file with findings is never remembered
    assert compared_again == ["config/training.yaml"] and _summary(again) == _summary(result)


def test_without_the_cache_nothing_is_remembered(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_memo, _ = _check(project, monkeypatch)
    (project / CACHE_DIR / MEMO_FILE).unlink()
    without, compared = _check(project, monkeypatch, cached=False)
    assert "config/rubric.yaml" in compared and not (project / CACHE_DIR / MEMO_FILE).exists()
    assert _summary(without) == _summary(with_memo)
