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


def many(root: Path, errors: int, warnings: int) -> CheckRun:
    findings = [Finding(Location("config/rubric.yaml", i + 1), f"error {i}") for i in range(errors)]
    findings += [Finding(Location("sidecar.yaml", i + 1), f"warn {i}", severity="warning") for i in range(warnings)]
    return CheckRun("demo", str(root), [GateResult("rubric.binary", "failed", findings)], exit_code=1)


def test_annotations_are_capped_per_github_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub keeps 10 error and 10 warning annotations per step: the rest are counted, not silently lost."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    lines = REPORTERS["github"](many(tmp_path, 13, 11)).splitlines()
    assert sum(ln.startswith("::error ") for ln in lines) == 10
    assert sum(ln.startswith("::warning ") for ln in lines) == 10
    assert lines[-2].startswith("ftspec: 3 errors and 1 warning not annotated (GitHub shows at most 10 errors")
    assert lines[-1] == "ftspec check: demo: 1 failed"
    assert not any("not annotated" in ln for ln in REPORTERS["github"](many(tmp_path, 10, 10)).splitlines())


def test_every_finding_goes_to_the_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = REPORTERS["github"](many(tmp_path, 12, 0)).splitlines()
    assert "every finding is listed in the job summary" in lines[-2]
    text = summary.read_text()
    assert text.startswith("earlier step\n## ftspec check: demo")  # appended, never overwritten
    assert "| error | `rubric.binary` | `config/rubric.yaml:12` | error 11. |" in text
    assert text.count("| error |") == 12


def test_the_step_summary_stays_under_githubs_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    REPORTERS["github"](many(tmp_path, 1005, 0))
    text = summary.read_text()
    assert text.count("| error |") == 1000 and "5 more findings: run `ftspec check` for all of them." in text
    assert len(text.encode()) < 1024 * 1024
