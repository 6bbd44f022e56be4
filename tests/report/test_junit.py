"""JUnit XML: valid against the Jenkins xUnit junit-10.xsd (vendored), one testcase per gate with the artifact as
classname, failures carrying the findings, warnings visible."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ftspec.commands.check import CheckOptions, run_check
from ftspec.errors import Location
from ftspec.report.junit import render_junit
from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult
from tests.projects import make_project

XSD = Path(__file__).with_name("schemas") / "junit-10.xsd"


@cache
def schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema", reason="the dev extra installs xmlschema")
    return xmlschema.XMLSchema(str(XSD))


def validate(text: str) -> ET.Element:
    errors = list(schema().iter_errors(text))
    assert not errors, [str(e.reason) + " at " + str(e.path) for e in errors[:3]]
    return ET.fromstring(text)


def test_the_schema_rejects_properties_inside_a_testcase() -> None:
    """pytest's own --junitxml puts <properties> in <testcase>: the vendored schema is strict enough to say no."""
    bad = ('<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="t">'
           '<properties><property name="a" value="b"/></properties></testcase></testsuite></testsuites>')
    assert list(schema().iter_errors(bad))


def test_junit_has_a_testcase_per_gate_with_findings(tmp_path: Path) -> None:
    case = make_project(
        tmp_path / "p", replace={"sidecar.yaml": [("  - id: TRAIN-003", "  - id: TRAIN-009")]}
    )
    out = tmp_path / "reports" / "junit.xml"
    run = run_check(CheckOptions(path=case, junitxml=str(out)))
    root = validate(out.read_text(encoding="utf-8"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert {r.id.rpartition("::")[2] for r in run.results} == set(cases)  # project gates: by function name
    own = cases["test_distress_is_a_safety_gate"]
    assert own.get("classname") == "career-coach.gates.test_career_coach"
    failure = cases["decisions.logged"].find("failure")
    assert failure is not None
    assert "sidecar.yaml:39:5: decisions[5].id: decision TRAIN-009 has no entry in decision-log.md" in (
        failure.text or ""
    )
    assert cases["decisions.unique-ids"].find("failure") is None
    assert cases["decisions.logged"].get("classname") == "career-coach.sidecar"
    assert cases["rubric.binary"].get("classname") == "career-coach.rubric"
    assert len({c.get("classname") for c in cases.values()}) > 5  # not one classname for everything
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == str(sum(r.outcome == "failed" for r in run.results))


def test_warnings_and_skips_are_visible(tmp_path: Path) -> None:
    run = CheckRun("demo", str(tmp_path), [
        GateResult("personas.flaw-rates", "warned", [Finding(Location("config/p.yaml", 3), "50% flawed\x01",
                                                              severity="warning")]),
        GateResult("data.contamination", "skipped", reason="no data yet"),
        GateResult("gates/test_tone.py::test_tone", "passed", phase="project"),
    ])
    root = validate(render_junit(run))
    warned, skipped, own = root.iter("testcase")
    assert "WARNING config/p.yaml:3: 50% flawed?." in (warned.findtext("system-out") or "")
    assert warned.find("failure") is None
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["warned"] == "1"
    assert skipped.find("skipped") is not None and skipped.find("skipped").get("message") == "no data yet"  # type: ignore[union-attr]
    assert (own.get("classname"), own.get("name")) == ("demo.gates.test_tone", "test_tone")


def test_plain_pytest_junitxml_is_valid_too(tmp_path: Path) -> None:
    """`pytest --junitxml` in a project (the plugin's items, no ftspec command) writes no <properties> into a
    testcase either."""
    case = make_project(tmp_path / "p")
    out = tmp_path / "plain.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "rubric",
                           f"--junitxml={out}"], cwd=case, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rubric.binary" in {c.get("name") for c in validate(out.read_text(encoding="utf-8")).iter("testcase")}
