"""Every gate against its example projects: tests/examples/<gate-id>/{pass,warn,fail}/<case>/ (see README)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.conftest import WORKED, copy_project

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KINDS = {"pass": "passed", "warn": "warned", "fail": "failed"}
META = {"expect.txt", "delete.txt"}


def discover() -> list[tuple[str, str, Path]]:
    """(gate id, kind, case dir) for every case on disk."""
    cases = []
    for gate_dir in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        for kind in KINDS:
            kind_dir = gate_dir / kind
            if kind_dir.is_dir():
                cases += [(gate_dir.name, kind, c) for c in sorted(kind_dir.iterdir()) if c.is_dir()]
    return cases


CASES = discover()


def overlay(case: Path, project: Path) -> None:
    """Lay the case's files over the project copy and apply its deletions."""
    for source in case.rglob("*"):
        rel = source.relative_to(case)
        if source.is_file() and str(rel) not in META:
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, project / rel)
    deletions = case / "delete.txt"
    if deletions.is_file():
        for rel in deletions.read_text().split():
            (project / rel).unlink()


def expected(case: Path) -> list[str]:
    path = case / "expect.txt"
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip()] if path.is_file() else []


@pytest.mark.parametrize(("gate_id", "kind", "case"), CASES, ids=[f"{g}/{k}/{c.name}" for g, k, c in CASES])
def test_example(gate_id: str, kind: str, case: Path, tmp_path: Path) -> None:
    gates = all_gates()
    assert gate_id in gates, f"{case}: no gate named {gate_id}"
    project_dir = copy_project(WORKED, tmp_path / "project")
    overlay(case, project_dir)
    result = run_gate(gates[gate_id], Project(project_dir))
    rendered = "\n".join(f.render() for f in result.findings)
    assert result.outcome == KINDS[kind], f"{gate_id} {result.outcome} ({result.reason}):\n{rendered}"
    for finding in result.findings:
        assert finding.path, finding
        if (project_dir / finding.path).is_file():
            assert finding.line > 0, finding.render()
    for text in expected(case):
        assert text in rendered, f"{text!r} not in:\n{rendered}"


def test_every_case_directory_is_parametrized() -> None:
    """Counted independently of discover(): walking the tree finds exactly the parametrized cases."""
    on_disk = set()
    for dirpath, _dirs, _files in os.walk(EXAMPLES):
        parts = Path(dirpath).relative_to(EXAMPLES).parts
        if len(parts) == 3 and parts[1] in KINDS:
            on_disk.add(Path(dirpath))
    assert on_disk == {case for _, _, case in CASES}
    assert len(CASES) == len(on_disk) > 0


def test_no_stray_directories() -> None:
    """A misspelt kind folder (`fails/`) would silently hold cases that never run."""
    for gate_dir in EXAMPLES.iterdir():
        if gate_dir.is_dir():
            assert {p.name for p in gate_dir.iterdir() if p.is_dir()} <= set(KINDS), gate_dir


def test_every_case_names_a_registered_gate() -> None:
    gates = all_gates()
    assert {gate_id for gate_id, _, _ in CASES} <= set(gates)


def test_every_gate_has_cases() -> None:
    """Each registered gate has at least one passing and one failing example."""
    covered = {(gate_id, kind) for gate_id, kind, _ in CASES}
    missing = [
        f"{gate_id}/{kind}"
        for gate_id in all_gates()
        for kind in ("pass", "fail")
        if (gate_id, kind) not in covered
    ]
    assert not missing, f"gates without examples: {', '.join(missing)}"


def test_expectations_mean_something() -> None:
    """Every fail case states why it fails."""
    assert all(expected(case) for _, kind, case in CASES if kind in ("fail", "warn"))
