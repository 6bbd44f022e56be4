"""Every gate against its example projects: tests/examples/<gate-id>/{pass,warn,fail}/<case>/ (see README).

A case holds only what differs from spec-templates/worked-example: files at their project-relative paths that
replace (or add to) the template's, plus optional metadata that is not copied:

- ``expect.txt``: one substring per line, each must appear in the rendered findings;
- ``delete.txt``: project-relative paths to remove;
- ``example.yaml``: ``why`` (one line), ``base`` (another template), ``remove`` (paths), ``replace`` (exact
  edits, each must match once: ``{path: [[old, new], ...]}``) and ``expect`` (a substring of some message).

The harness builds the project in tmp_path, runs that one gate and checks the outcome: pass/ -> passed,
warn/ -> warned, fail/ -> failed; every finding of a warn or fail case names an existing file and a line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.gates.registry import all_gates
from tests.projects import make_project, run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KINDS = {"pass": "passed", "warn": "warned", "fail": "failed"}
META = {"expect.txt", "delete.txt", "example.yaml"}
RAN: set[str] = set()
# Gates that read git history: their cases are real repositories built in tests/gates/test_decisions.py.
TESTED_WITH_GIT = {"decisions.committed", "decisions.immutable"}


def discover() -> list[Path]:
    """Every case directory: tests/examples/<gate>/<kind>/<case>."""
    return sorted(p for p in EXAMPLES.glob("*/*/*") if p.is_dir() and p.parent.name in KINDS)


CASES = discover()


def case_id(case: Path) -> str:
    return str(case.relative_to(EXAMPLES))


def metadata(case: Path) -> dict[str, Any]:
    path = case / "example.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def expectations(case: Path) -> list[str]:
    path = case / "expect.txt"
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()] if path.is_file() else []
    expect = metadata(case).get("expect")
    return lines + ([expect] if expect else [])


def build(case: Path, dest: Path) -> Path:
    """The base template with the case's edits, removals and files applied."""
    meta = metadata(case)
    replace = {rel: [tuple(edit) for edit in edits] for rel, edits in (meta.get("replace") or {}).items()}
    removals = list(meta.get("remove", ()))
    if (case / "delete.txt").is_file():
        removals += (case / "delete.txt").read_text().split()
    make_project(dest, meta.get("base", "worked-example"), replace=replace, remove=removals)
    for source in case.rglob("*"):
        rel = source.relative_to(case)
        if source.is_file() and str(rel) not in META:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / rel)
    return dest


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_example(case: Path, tmp_path: Path) -> None:
    gate_id, kind = case.parent.parent.name, case.parent.name
    assert gate_id in all_gates(), f"{case_id(case)}: no gate named {gate_id}"
    root = build(case, tmp_path / "project")
    result = run(gate_id, root)
    rendered = "\n".join(f.render() for f in result.findings) or result.reason
    assert result.outcome == KINDS[kind], f"{case_id(case)}: {result.outcome}\n{rendered}"
    if kind != "pass":
        for finding in result.findings:
            assert finding.path and finding.line >= 1, f"{finding.render()}: no file and line"
            exists = (root / finding.path).exists() or finding.message == "file is missing"
            assert exists, f"{finding.render()}: {finding.path} does not exist"
        for text in expectations(case):
            assert text in rendered, f"{text!r} not in:\n{rendered}"
    RAN.add(case_id(case))


def test_every_case_directory_is_parametrized() -> None:
    """Counted independently of discover(): walking the tree finds exactly the parametrized cases."""
    on_disk = set()
    for dirpath, _dirs, _files in os.walk(EXAMPLES):
        parts = Path(dirpath).relative_to(EXAMPLES).parts
        if len(parts) == 3 and parts[1] in KINDS:
            on_disk.add(Path(dirpath))
    assert on_disk == set(CASES)
    assert len(CASES) == len(on_disk) > 0


def test_no_stray_directories() -> None:
    """A misspelt kind folder (`fails/`) would silently hold cases that never run."""
    stray = [p for p in EXAMPLES.glob("*/*") if p.is_dir() and p.name not in KINDS]
    assert not stray, f"example folders must be pass/, fail/ or warn/: {stray}"


def test_every_gate_has_cases() -> None:
    """Each registered gate has at least one passing and one failing (or warning) example."""
    kinds: dict[str, set[str]] = {}
    for case in CASES:
        kinds.setdefault(case.parent.parent.name, set()).add(case.parent.name)
    missing = [g for g in all_gates() if g not in TESTED_WITH_GIT
               and not ("pass" in kinds.get(g, set()) and kinds[g] & {"fail", "warn"})]
    assert not missing, f"gates without a pass and a fail example: {', '.join(missing)}"
    assert set(kinds) <= set(all_gates()), f"examples for unknown gates: {set(kinds) - set(all_gates())}"


def test_expectations_mean_something() -> None:
    """Every fail or warn case states why it fails, so it cannot pass for the wrong reason."""
    vague = [case_id(c) for c in CASES if c.parent.name != "pass" and not expectations(c)]
    assert not vague, f"fail/warn cases without expect.txt or example.yaml expect: {vague}"


def test_every_example_ran(request: pytest.FixtureRequest) -> None:
    """Runs last in this module: each discovered example ran to its end (none skipped or deselected)."""
    if request.config.option.keyword or request.config.option.markexpr or hasattr(request.config, "workerinput"):
        pytest.skip("a -k/-m selection or an xdist worker runs only some examples")
    assert {case_id(p) for p in CASES} - RAN == set()


@pytest.mark.parametrize("template", ["worked-example", "rag-only"])
def test_templates_pass_every_gate(template: str, tmp_path: Path) -> None:
    root = make_project(tmp_path / template, template)
    for gate_id in all_gates():
        result = run(gate_id, root)
        assert result.outcome in ("passed", "skipped"), (gate_id, [f.render() for f in result.findings])
