"""SARIF 2.1.0: one rule per gate, one result per finding, with physical locations (code scanning uploads)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ftspec import __version__
from ftspec.report.github import repo_path
from ftspec.report.model import CheckRun
from ftspec.results import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/ftspec/ftspec"


def _rules(run: CheckRun) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "shortDescription": {"text": r.description or r.id}, "properties": {"phase": r.phase}}
        for r in run.results
    ]


def _location(run: CheckRun, finding: Finding) -> dict[str, Any]:
    uri = repo_path(run, finding.path)
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if finding.line >= 1:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.location.col >= 1:
            region["startColumn"] = finding.location.col
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.location.keypath:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location.keypath, "kind": "member"}]
    return location


def _result(run: CheckRun, rule_index: int, rule_id: str, finding: Finding) -> dict[str, Any]:
    text = finding.message.rstrip(".") + "." + (f" {finding.fix}" if finding.fix else "")
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": "warning" if finding.severity == "warning" else "error",
        "message": {"text": text},
        "locations": [_location(run, finding)] if finding.path else [],
    }


def to_sarif(run: CheckRun) -> dict[str, Any]:
    """The SARIF log as a dict."""
    results = [_result(run, idx, r.id, f) for idx, r in enumerate(run.results) for f in r.findings]
    driver = {"name": "ftspec", "version": __version__, "informationUri": INFO_URI, "rules": _rules(run)}
    root_uri = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve().as_uri() + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "results": results,
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "invocations": [{"executionSuccessful": run.exit_code in (0, 1), "exitCode": run.exit_code}],
            }
        ],
    }


def render_sarif(run: CheckRun) -> str:
    return json.dumps(to_sarif(run), indent=2)
