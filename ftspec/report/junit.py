"""JUnit XML that validates against the Jenkins xUnit junit-10.xsd (the schema CI test tabs read).

One testsuite per project, one testcase per gate with the artifact it checks as classname; a failing gate
carries its findings in <failure>, a skipped one its reason in <skipped>. JUnit has no warning state, so a
warning gate stays a passing testcase whose findings are printed in <system-out> and counted in the suite's
`warned` property; its name is unchanged so a test's history is kept across runs."""

from __future__ import annotations

import datetime
import platform
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ftspec import __version__
from ftspec.report.model import CheckRun
from ftspec.report.rules import rule_info
from ftspec.results import GateResult

# Characters XML 1.0 cannot carry at all (a finding may quote a control character from a broken file).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("?", text)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _testcase(project: str, result: GateResult) -> ET.Element:
    info = rule_info(result)
    name = result.id if info.builtin else result.id.rpartition("::")[2] or result.id
    case = ET.Element("testcase", classname=f"{project}.{info.artifact}", name=name,
                      time=_seconds(result.duration))
    findings = _clean("\n".join(f.render() for f in result.findings))
    if result.outcome == "failed":
        first = _clean(result.findings[0].render()) if result.findings else f"gate {result.id} failed"
        failure = ET.SubElement(case, "failure", type=info.id, message=first)
        failure.text = findings or first
    elif result.outcome == "skipped":
        ET.SubElement(case, "skipped", message=_clean(result.reason or "skipped"))
    elif result.outcome == "warned":
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n".join(f"WARNING {f.render()}" for f in result.findings)) or "WARNING"
    return case


def to_junit(run: CheckRun) -> ET.Element:
    """The <testsuites> element for a run."""
    counts = run.counts()
    totals = {"tests": str(len(run.results)), "failures": str(counts["failed"]), "errors": "0"}
    suites = ET.Element("testsuites", {"name": "ftspec", "time": _seconds(run.duration), **totals})
    suite = ET.SubElement(suites, "testsuite", {
        "name": run.project, **totals, "skipped": str(counts["skipped"]), "time": _seconds(run.duration),
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "hostname": platform.node() or "localhost",
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in (("ftspec.version", __version__), ("root", run.root), ("warned", str(counts["warned"])),
                        ("exit_code", str(run.exit_code))):
        ET.SubElement(properties, "property", name=name, value=value)
    suite.extend(_testcase(run.project, r) for r in run.results)
    return suites


def render_junit(run: CheckRun) -> str:
    tree = to_junit(run)
    ET.indent(tree)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree, encoding="unicode")


def write_junit(run: CheckRun, path: str | Path) -> None:
    """Write the run's JUnit XML to ``path`` (its folder is created)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_junit(run) + "\n", encoding="utf-8")
