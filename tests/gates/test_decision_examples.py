"""Example projects for the decision gates: each tests/examples/<gate-id>/{pass,fail}/<case>/ is a project.

Every case directory is discovered and run through its gate; `pass` cases must pass, `fail` cases must fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GATES = ("decisions.logged", "decisions.unique-ids", "decisions.required")
CASES = sorted(case for gate_id in GATES for case in (EXAMPLES / gate_id).glob("*/*") if case.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: "/".join(p.parts[-3:]))
def test_example(case: Path) -> None:
    gate_id, expected = case.parts[-3], case.parts[-2]
    result = run_gate(all_gates()[gate_id], Project(case))
    want = "passed" if expected == "pass" else "failed"
    assert result.outcome == want, [f.render() for f in result.findings]


def test_every_gate_has_pass_and_fail_examples() -> None:
    for gate_id in GATES:
        kinds = {case.parts[-2] for case in CASES if case.parts[-3] == gate_id}
        assert kinds == {"pass", "fail"}, gate_id
    assert len(CASES) == 9  # a directory that silently stopped being discovered fails here
