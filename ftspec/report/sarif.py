"""SARIF 2.1.0 for GitHub code scanning: one rule per gate (with the descriptions, help and default level GitHub
requires), one result per finding, each located by a URI relative to the workspace (`%SRCROOT%`).

GitHub's requirements (docs "SARIF support for code scanning"): every rule has id, shortDescription,
fullDescription and help; every result has message.text and a location whose region has a startLine; at most
25,000 results per run. A finding outside the workspace cannot be shown in the repository: it keeps an absolute
`file:` URI and no uriBaseId (a uriBaseId is only for relative references)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ftspec import __version__
from ftspec.errors import Location
from ftspec.paths import MANIFEST
from ftspec.report.model import CheckRun
from ftspec.report.rules import PROJECT_GATES_URI, REPO_URL, TUNING_URI, RuleInfo, rule_info
from ftspec.results import Finding, GateResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub's limit per run


def workspace() -> Path:
    """The folder GitHub resolves relative URIs against: $GITHUB_WORKSPACE in Actions, else here."""
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()


def _rule(info: RuleInfo) -> dict[str, Any]:
    level = "warning" if info.severity == "warning" else "error"
    short = info.description.rstrip(".")
    if info.builtin:
        full = f"{short}. Enforces: {info.source}. Default severity: {info.severity}."
        fix = (f"Each result names the file, line and key and says what to change; `ftspec check -k {info.id}` "
               f"re-checks this gate. Thresholds, severity and a reasoned skip are set under "
               f"`gates: {{{info.id}: ...}}` in ftspec.yaml.")
        uri = TUNING_URI
    else:
        full = f"{short}: a test in the project's gates folder ({info.artifact.replace('.', '/')}.py)."
        fix = "The result carries the test's failure message; fix the spec file or the test, then run ftspec check."
        uri = PROJECT_GATES_URI
    return {
        "id": info.id,
        "name": info.id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{full}\n\n{fix}", "markdown": f"**{short}.**\n\n{full}\n\n{fix}"},
        "helpUri": uri,
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["ftspec", info.artifact], "precision": "very-high",
                       "problem.severity": "warning" if level == "warning" else "error"},
    }


def artifact_location(run: CheckRun, path: str) -> dict[str, Any]:
    """A relative, percent-encoded URI under %SRCROOT%, or an absolute file URI for a path outside it."""
    full = Path(run.root, path).resolve()
    try:
        rel = full.relative_to(workspace())
    except ValueError:
        return {"uri": full.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def _location(run: CheckRun, finding: Finding) -> dict[str, Any]:
    # GitHub needs a file and a start line for every result: a finding about the project as a whole (no file)
    # points at the manifest's first line.
    region: dict[str, Any] = {"startLine": max(finding.line, 1) if finding.path else 1}
    if finding.path and finding.line >= 1 and finding.location.col >= 1:
        region["startColumn"] = finding.location.col
    physical = {"artifactLocation": artifact_location(run, finding.path or MANIFEST), "region": region}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.location.keypath:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location.keypath, "kind": "member"}]
    return location


def _result(run: CheckRun, index: int, rule_id: str, finding: Finding) -> dict[str, Any]:
    text = finding.message.rstrip(".") + "." + (f" {finding.fix}" if finding.fix else "")
    if finding.location.keypath:
        text = f"{finding.location.keypath}: {text}"
    # Keyed on the key path, not the line: an alert survives lines added above it.
    key = "\0".join((rule_id, finding.path, finding.location.keypath or str(finding.line), finding.message))
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": "warning" if finding.severity == "warning" else "error",
        "message": {"text": text},
        "locations": [_location(run, finding)],
        "partialFingerprints": {"ftspecFinding/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
    }


def to_sarif(run: CheckRun) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rules: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for gate in run.results:
        info = rule_info(gate)
        if info.id not in rules:
            rules[info.id] = len(descriptors)
            descriptors.append(_rule(info))
        results += [_result(run, rules[info.id], info.id, f) for f in _findings(gate)]
    driver = {"name": "ftspec", "version": __version__, "semanticVersion": __version__,
              "informationUri": REPO_URL, "rules": descriptors}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "results": results[:MAX_RESULTS],
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"uri": workspace().as_uri() + "/"}},
                "invocations": [{"executionSuccessful": run.exit_code in (0, 1), "exitCode": run.exit_code}],
            }
        ],
    }


def _findings(gate: GateResult) -> list[Finding]:
    """A failed gate always yields at least one result, even one that recorded no finding."""
    if gate.findings or gate.outcome != "failed":
        return gate.findings
    return [Finding(Location(""), f"gate {gate.id} failed", gate.reason)]


def render_sarif(run: CheckRun) -> str:
    return json.dumps(to_sarif(run), indent=2)
