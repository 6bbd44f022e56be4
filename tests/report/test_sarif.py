"""SARIF 2.1.0: valid against the OASIS schema (vendored) and meeting GitHub code scanning's ingestion rules."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ftspec.commands.check import CheckOptions, run_check
from ftspec.errors import Location
from ftspec.report import REPORTERS
from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult
from tests.projects import make_project
from tests.report.test_github import make_run

SCHEMA = Path(__file__).with_name("schemas") / "sarif-schema-2.1.0.json"
RULE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@cache
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="the dev extra installs jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_github(log: dict[str, Any]) -> None:
    """What GitHub's "SARIF support for code scanning" requires beyond the schema."""
    assert log["version"] == "2.1.0" and len(log["runs"]) <= 20
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        ids = [rule["id"] for rule in rules]
        assert len(ids) == len(set(ids))
        for rule in rules:
            assert RULE_ID.match(rule["id"]), rule["id"]
            for key in ("shortDescription", "fullDescription", "help"):
                assert rule[key]["text"].strip(), (rule["id"], key)
            assert rule["helpUri"].startswith("https://")
            assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        bases = run.get("originalUriBaseIds", {})
        for base in bases.values():
            assert base["uri"].startswith("file:///") and base["uri"].endswith("/")
        assert len(run["results"]) <= 25_000
        for result in run["results"]:
            assert ids[result["ruleIndex"]] == result["ruleId"]
            assert result["message"]["text"].strip()
            assert len(result["locations"]) == 1  # GitHub shows one; every result needs one
            physical = result["locations"][0]["physicalLocation"]
            artifact = physical["artifactLocation"]
            if "uriBaseId" in artifact:  # relative to a declared base, never absolute beside it
                assert artifact["uriBaseId"] in bases
                assert not re.match(r"^[a-z]+:|^/", artifact["uri"]), artifact
            else:
                assert artifact["uri"].startswith("file:///")
            assert physical["region"]["startLine"] >= 1


def validate(log: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    check_github(log)


def test_the_schema_rejects_what_it_must() -> None:
    """The vendored schema is the real one: a result without a message is invalid."""
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}]}]}
    assert list(validator().iter_errors(log))


def test_sarif_structure_and_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    log = json.loads(REPORTERS["sarif"](make_run(tmp_path / "p")))
    validate(log)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("rubric.calibration-examples", "error"),
        ("decisions.logged", "warning"),
    ]
    physical = results[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "p/config/rubric.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 12, "startColumn": 5}
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["decisions.logged"]["defaultConfiguration"]["level"] == "error"  # the gate's own severity
    assert "ftspec check -k rubric.calibration-examples" in rules["rubric.calibration-examples"]["help"]["text"]


def test_project_gates_paths_outside_and_odd_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    outside = CheckRun("demo", str(tmp_path / "elsewhere"), [
        GateResult("gates/sub/test_tone.py::test_tone[a/b c]", "failed",
                   [Finding(Location("gates/sub/test_tone.py", 7), "assert 1 == 2")], phase="project"),
        GateResult("manifest.schema", "failed", [Finding(Location(""), "no location")]),
    ], exit_code=1)
    log = json.loads(REPORTERS["sarif"](outside))
    validate(log)
    ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert ids == ["project.gates.sub.test_tone.test_tone.a.b.c", "manifest.schema"]
    first, second = (r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"])
    assert first["artifactLocation"] == {"uri": (tmp_path / "elsewhere/gates/sub/test_tone.py").as_uri()}
    assert second["artifactLocation"]["uri"].endswith("/elsewhere/ftspec.yaml")  # no file: the manifest
    assert second["region"] == {"startLine": 1}
    inside = CheckRun("demo", str(workspace / "my project"),
                      [GateResult("rubric.binary", "failed", [Finding(Location("config/a b.yaml", 2), "m")])])
    artifact = json.loads(REPORTERS["sarif"](inside))["runs"][0]["results"][0]["locations"][0]
    assert artifact["physicalLocation"]["artifactLocation"] == {"uri": "my%20project/config/a%20b.yaml",
                                                                "uriBaseId": "%SRCROOT%"}


def test_fingerprints_follow_the_key_not_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))

    def fingerprint(line: int) -> str:
        run = CheckRun("demo", str(tmp_path), [GateResult(
            "rubric.binary", "failed", [Finding(Location("config/rubric.yaml", line, 3, "criteria.C1"), "m")])])
        result = json.loads(REPORTERS["sarif"](run))["runs"][0]["results"][0]
        return str(result["partialFingerprints"]["ftspecFinding/v1"])

    assert fingerprint(4) == fingerprint(9)


def test_sarif_from_a_real_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    case = make_project(
        tmp_path / "p", replace={"sidecar.yaml": [("  - id: TRAIN-003", "  - id: TRAIN-009")]}
    )
    monkeypatch.chdir(case)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    run = run_check(CheckOptions(path=case))
    log = json.loads(REPORTERS["sarif"](run))
    validate(log)
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len({r.id for r in run.results})  # passed ones too
    logged = [r for r in log["runs"][0]["results"] if r["ruleId"] == "decisions.logged"]
    assert logged[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sidecar.yaml"
    assert logged[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 39
