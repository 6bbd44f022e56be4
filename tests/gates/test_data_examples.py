"""The data gates against their example projects: tests/examples/<gate-id>/{pass,fail}/ over the worked
example.

Each example directory holds only the files that differ from spec-templates/worked-example; the test copies
the worked example to tmp_path, overlays the example and runs that one gate. (Same convention as the shared
harness tests/gates/test_examples.py, restricted to the data gates so this branch is self-contained.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "tests" / "examples"
WORKED = ROOT / "spec-templates" / "worked-example"
DATA_GATES = sorted(g for g in all_gates() if g.startswith("data."))
CASES = sorted(p for p in EXAMPLES.glob("data.*/*") if p.is_dir())


def overlay(example: Path, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(WORKED, project)
    shutil.copytree(example, project, dirs_exist_ok=True)
    return project


@pytest.mark.parametrize("example", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_example(example: Path, tmp_path: Path) -> None:
    gate = all_gates()[example.parent.name]
    result = run_gate(gate, Project(overlay(example, tmp_path)))
    expected = "passed" if example.name == "pass" else "failed"
    assert result.outcome == expected, [f.render() for f in result.findings] or result.reason


def test_every_data_gate_has_a_pass_and_a_fail_example() -> None:
    found = {(p.parent.name, p.name) for p in CASES}
    missing = [(g, k) for g in DATA_GATES for k in ("pass", "fail") if (g, k) not in found]
    assert not missing
    assert len(CASES) == 2 * len(DATA_GATES)
