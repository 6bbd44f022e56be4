"""SARIF 2.1.0: the structure the schema requires, with rules and physical locations (checked offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftspec.commands.check import CheckOptions, run_check
from ftspec.report import REPORTERS
from tests.projects import make_project
from tests.report.test_github import make_run

LEVELS = {"none", "note", "warning", "error"}


def check_sarif(log: dict[str, Any]) -> None:
    """The 2.1.0 schema's required properties and constraints for what ftspec emits."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and log["runs"]
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        rule_ids = [rule["id"] for rule in driver.get("rules", [])]
        assert len(rule_ids) == len(set(rule_ids))
        for rule in driver["rules"]:
            assert isinstance(rule["shortDescription"]["text"], str)
        for base in run.get("originalUriBaseIds", {}).values():
            assert base["uri"].startswith("file://") and base["uri"].endswith("/")
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str) and result["message"]["text"]
            assert result["level"] in LEVELS
            assert rule_ids[result["ruleIndex"]] == result["ruleId"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert isinstance(physical["artifactLocation"]["uri"], str)
                assert not physical["artifactLocation"]["uri"].startswith("/")
                region = physical.get("region", {})
                assert region.get("startLine", 1) >= 1 and region.get("startColumn", 1) >= 1


def test_sarif_structure_and_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    log = json.loads(REPORTERS["sarif"](make_run(tmp_path / "p")))
    check_sarif(log)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("rubric.calibration-examples", "error"),
        ("decisions.logged", "warning"),
    ]
    physical = results[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "p/config/rubric.yaml"
    assert physical["region"] == {"startLine": 12, "startColumn": 5}


def test_sarif_from_a_real_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    case = make_project(
        tmp_path / "p", replace={"sidecar.yaml": [("  - id: TRAIN-003", "  - id: TRAIN-009")]}
    )
    monkeypatch.chdir(case)
    log = json.loads(REPORTERS["sarif"](run_check(CheckOptions(path=case))))
    check_sarif(log)
    logged = [r for r in log["runs"][0]["results"] if r["ruleId"] == "decisions.logged"]
    assert logged[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sidecar.yaml"
    assert logged[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 39
