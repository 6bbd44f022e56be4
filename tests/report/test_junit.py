"""JUnit XML (pytest's --junitxml): one testcase per gate, failures carrying the findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ftspec.commands.check import CheckOptions, run_check
from tests.projects import make_project


def test_junit_has_a_testcase_per_gate_with_findings(tmp_path: Path) -> None:
    case = make_project(
        tmp_path / "p", replace={"sidecar.yaml": [("  - id: TRAIN-003", "  - id: TRAIN-009")]}
    )
    out = tmp_path / "junit.xml"
    run = run_check(CheckOptions(path=case, junitxml=str(out)))
    cases = {c.get("name"): c for c in ET.parse(out).getroot().iter("testcase")}
    assert {r.id for r in run.results if "::" not in r.id} <= set(cases)  # project gates: by function name
    failure = cases["decisions.logged"].find("failure")
    assert failure is not None
    assert "sidecar.yaml:39:5: decisions[5].id: decision TRAIN-009 has no entry in decision-log.md" in (
        (failure.get("message") or "") + (failure.text or "")
    )
    assert cases["decisions.unique-ids"].find("failure") is None
