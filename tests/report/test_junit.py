"""JUnit XML (pytest's --junitxml): one testcase per gate, failures carrying the findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ftspec.commands.check import CheckOptions, run_check

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_junit_has_a_testcase_per_gate_with_findings(tmp_path: Path) -> None:
    case = EXAMPLES / "decisions.logged" / "fail" / "train-002-not-logged"
    out = tmp_path / "junit.xml"
    run = run_check(CheckOptions(path=case, junitxml=str(out)))
    cases = {c.get("name"): c for c in ET.parse(out).getroot().iter("testcase")}
    assert set(cases) == {r.id for r in run.results}
    failure = cases["decisions.logged"].find("failure")
    assert failure is not None
    assert "sidecar.yaml:14:5: decisions[1].id: decision TRAIN-002 has no entry in decision-log.md" in (
        (failure.get("message") or "") + (failure.text or "")
    )
    assert cases["decisions.unique-ids"].find("failure") is None
