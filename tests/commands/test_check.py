"""`ftspec check` through click's CliRunner: the text and JSON reports, -k, -x, --junitxml and exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ftspec.gates.registry import all_gates
from tests.conftest import worked_outcomes

Invoke = Callable[..., Result]


def break_rubric(project: Path) -> None:
    """Two gates fail: category weights sum to 1.1, and CQ7 asks for a rating."""
    path = project / "config/rubric.yaml"
    text = path.read_text().replace("weight: 0.35", "weight: 0.45")
    text = text.replace(
        "question: Does the reply ask at most two questions?", "question: Rate the questions 1-5."
    )
    path.write_text(text)


def test_passing_project_one_line_per_gate(ftspec: Invoke, worked: Path) -> None:
    result = ftspec("check", str(worked))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"ftspec check: career-coach ({worked})"
    gate_lines = lines[1:-1]
    assert [ln.split()[1] for ln in gate_lines] == list(all_gates())
    assert all(ln.split()[0] in ("PASS", "SKIP") for ln in gate_lines)
    counts = worked_outcomes()
    assert counts["failed"] == 0
    skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
    assert lines[-1].startswith(f"{counts['passed']} passed{skipped}")


def test_failing_gate_lists_every_finding_indented(ftspec: Invoke, worked: Path) -> None:
    break_rubric(worked)
    result = ftspec("check", str(worked))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    weights = lines.index("FAIL  rubric.category-weights  Category weights sum to 1.0.")
    assert lines[weights + 1] == (
        "      config/rubric.yaml:8:1: categories: category weights sum to 1.1, not 1.0. "
        "adjust the category weights so they add up to 1.0"
    )
    assert lines[weights + 2].startswith("PASS  ")
    binary = next(i for i, ln in enumerate(lines) if ln.startswith("FAIL  rubric.binary"))
    assert lines[binary + 1].startswith("      config/rubric.yaml:128:5: criteria.CQ7.question: ")
    assert "2 failed" in lines[-1]


def test_keyword_selects_gates(ftspec: Invoke, worked: Path) -> None:
    result = ftspec("check", str(worked), "-k", "taxonomy")
    assert result.exit_code == 0
    ids = [ln.split()[1] for ln in result.stdout.splitlines()[1:-1]]
    assert ids == [g for g in all_gates() if "taxonomy" in g]


def test_keyword_matching_nothing_exits_5(ftspec: Invoke, worked: Path) -> None:
    """5 (pytest's NO_TESTS_COLLECTED): nothing ran, e.g. a -k expression that matches no gate."""
    result = ftspec("check", str(worked), "-k", "no-such-gate-anywhere")
    assert result.exit_code == 5
    assert result.stdout.splitlines()[-1] == (
        "no gates ran: the selection (-k) matched none. `ftspec gates` lists the gate ids"
    )


def test_bad_keyword_is_a_usage_error(ftspec: Invoke, worked: Path) -> None:
    result = ftspec("check", str(worked), "-k", "((")
    assert result.exit_code == 4
    assert result.stderr.startswith("ftspec: usage error: ") and result.stderr.count("\n") == 1


def test_exitfirst_stops_after_the_first_failure(ftspec: Invoke, worked: Path) -> None:
    break_rubric(worked)
    result = ftspec("check", str(worked), "-x")
    assert result.exit_code == 1
    outcomes = [ln.split()[0] for ln in result.stdout.splitlines()[1:-1] if not ln.startswith(" ")]
    assert outcomes.count("FAIL") == 1 and outcomes[-1] == "FAIL"
    assert len(outcomes) < len(all_gates())


def test_json_report_structure(ftspec: Invoke, worked: Path) -> None:
    break_rubric(worked)
    result = ftspec("check", str(worked), "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert {"gates", "summary"} <= set(payload)
    gates = {g["id"]: g for g in payload["gates"]}
    assert list(gates) == list(all_gates())
    for gate in payload["gates"]:
        assert {"id", "outcome", "findings"} <= set(gate)
        assert gate["outcome"] in ("passed", "failed", "skipped", "warned")
        for finding in gate["findings"]:
            assert {"path", "line", "message"} <= set(finding)
            assert isinstance(finding["line"], int) and finding["line"] > 0
    [finding] = gates["rubric.category-weights"]["findings"]
    assert finding["path"] == "config/rubric.yaml" and finding["line"] == 8
    assert "category weights sum to 1.1" in finding["message"]
    assert gates["sidecar.schema"]["outcome"] == "passed"
    summary = payload["summary"]
    assert summary["failed"] == 2 and summary["skipped"] == worked_outcomes()["skipped"]
    assert summary["passed"] == worked_outcomes()["passed"] - 2 and summary["total"] == len(all_gates())


def test_junitxml_is_written(ftspec: Invoke, worked: Path, tmp_path: Path) -> None:
    break_rubric(worked)
    target = tmp_path / "report.xml"
    result = ftspec("check", str(worked), "--junitxml", str(target))
    assert result.exit_code == 1
    suite = ET.parse(target).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == set(all_gates())
    failure = cases["rubric.category-weights"].find("failure")
    assert failure is not None and "config/rubric.yaml:8:1" in (failure.text or "") + (
        failure.get("message") or ""
    )
    assert cases["taxonomy.weights"].find("failure") is None


def test_output_file(ftspec: Invoke, worked: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = ftspec("check", str(worked), "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["summary"]["failed"] == 0


def test_check_from_a_subdirectory_finds_the_root(ftspec: Invoke, worked: Path) -> None:
    result = ftspec("check", str(worked / "config"))
    assert result.exit_code == 0 and f"({worked})" in result.stdout.splitlines()[0]


def test_no_project_exits_4(ftspec: Invoke, tmp_path: Path) -> None:
    result = ftspec("check", str(tmp_path))
    assert result.exit_code == 4
    assert "no ftspec.yaml here or above" in result.stderr


def test_unknown_format_is_a_usage_error(ftspec_main: Callable[..., tuple[int, str]], worked: Path) -> None:
    code, output = ftspec_main("check", str(worked), "--format", "xml")
    assert code == 4
    assert "Invalid value for '--format'" in output and "Traceback" not in output


def test_warning_gate_is_reported_and_does_not_fail(ftspec: Invoke, worked: Path) -> None:
    path = worked / "config/persona-template.yaml"
    path.write_text(path.read_text().replace("primary_rate: 0.50", "primary_rate: 0.90"))
    result = ftspec("check", str(worked))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    warn = next(i for i, ln in enumerate(lines) if ln.startswith("WARN  personas.flaw-rates"))
    assert "primary_rate 90% is outside 40%-60%" in lines[warn + 1]
    assert "1 warned" in lines[-1]


def test_gate_skipped_in_the_manifest_shows_the_reason(ftspec: Invoke, worked: Path) -> None:
    manifest = worked / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "  rubric.binary: {skip: our judge handles scales}\n")
    result = ftspec("check", str(worked))
    assert "SKIP  rubric.binary  (skipped in ftspec.yaml: our judge handles scales)" in result.stdout


def test_project_gates_run_beside_the_builtin_ones(ftspec: Invoke, worked: Path) -> None:
    (worked / "gates").mkdir(exist_ok=True)
    (worked / "gates/test_mine.py").write_text(
        "def test_enough_criteria(rubric):\n    assert len(rubric.criteria) >= 20, 'need 20 criteria'\n"
        "def test_topics(taxonomy):\n    assert taxonomy.taxonomy.topics\n"
    )
    result = ftspec("check", str(worked))
    assert result.exit_code == 1
    assert "PASS  gates/test_mine.py::test_topics" in result.stdout
    assert "FAIL  gates/test_mine.py::test_enough_criteria" in result.stdout
    assert "need 20 criteria" in result.stdout


def test_a_broken_project_gate_fails_without_hiding_the_others(ftspec: Invoke, worked: Path) -> None:
    (worked / "gates").mkdir(exist_ok=True)
    (worked / "gates" / "test_broken.py").write_text("def test_x():\n    return (\n")
    result = ftspec("check", str(worked))
    assert result.exit_code == 1
    assert "FAIL  gates/test_broken.py  could not be collected" in result.stdout
    assert "gates/test_broken.py:2:1: SyntaxError" in result.stdout
    assert "PASS  rubric.schema" in result.stdout  # every built-in gate still ran


def test_pydantic_plugins_are_not_looked_for_unless_the_user_says_so(
    ftspec: Invoke, worked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looking for them scans every installed distribution's entry points, on every check."""
    import os

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    ftspec("check", "-k", "rubric", str(worked))
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some_plugin")
    ftspec("check", "-k", "rubric", str(worked))
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "some_plugin"
