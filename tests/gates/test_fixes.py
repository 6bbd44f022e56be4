"""A mechanical fix, applied as the finding says, makes its gate pass.

A fail case whose example.yaml has ``fixed:`` (exact edits, like ``replace:``) states the edit its findings ask
for; this test applies it to the failing example and runs the gate again. The case's ``expect`` names the fix
text, so the edit and the advice cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gates.test_examples import CASES, build, case_id, metadata
from tests.projects import run

FIXED = [case for case in CASES if case.parent.name != "pass" and metadata(case).get("fixed")]


def apply(root: Path, edits: dict[str, list[list[str]]]) -> None:
    for rel, pairs in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert text.count(old) == 1, f"{rel}: the fix's text {old!r} is not there exactly once"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", FIXED, ids=case_id)
def test_following_the_fix_passes(case: Path, tmp_path: Path) -> None:
    gate_id = case.parent.parent.name
    root = build(case, tmp_path / "project")
    assert run(gate_id, root).outcome == "failed"
    apply(root, metadata(case)["fixed"])
    after = run(gate_id, root)
    assert after.outcome == "passed", [f.render() for f in after.findings]


def test_there_are_fixed_cases() -> None:
    assert len(FIXED) >= 4
