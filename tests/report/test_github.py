"""GitHub annotations: one workflow command per finding, file and line right, special characters escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.errors import Location
from ftspec.report import REPORTERS
from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult


def make_run(root: Path) -> CheckRun:
    findings = [
        Finding(Location("config/rubric.yaml", 12, 5, "criteria.CQ1"), "2 examples, need 3-8", "add one"),
        Finding(Location("sidecar.yaml", 3), "50%: a, b\nnext", severity="warning"),
    ]
    return CheckRun(
        "demo",
        str(root),
        [
            GateResult("rubric.calibration-examples", "failed", findings[:1]),
            GateResult("decisions.logged", "warned", findings[1:]),
            GateResult("rubric.schema", "passed"),
        ],
        exit_code=1,
    )


def test_annotations_carry_file_line_col_and_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    lines = REPORTERS["github"](make_run(tmp_path / "project")).splitlines()
    assert lines[0] == (
        "::error file=project/config/rubric.yaml,line=12,col=5,title=ftspec rubric.calibration-examples"
        "::criteria.CQ1: 2 examples, need 3-8. add one"
    )
    assert (
        lines[1]
        == "::warning file=project/sidecar.yaml,line=3,title=ftspec decisions.logged::50%25: a, b%0Anext."
    )
    assert lines[2] == "ftspec check: demo: 1 passed, 1 failed, 1 warned"


def test_property_values_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    run = CheckRun(
        "demo", str(tmp_path), [GateResult("x", "failed", [Finding(Location("a,b:c.yaml", 1), "m")])]
    )
    assert REPORTERS["github"](run).splitlines()[0].startswith("::error file=a%2Cb%3Ac.yaml,line=1,")
