"""Example-driven gate tests: every directory under tests/examples/<gate-id>/{pass,fail,warn}/<name>/ is one case.

An example holds only what differs from spec-templates/worked-example: files that replace (or add to) the
template's, and optionally ``example.yaml`` with

    why: what the example shows (one line)
    base: rag-only            # another template to start from (default worked-example)
    remove: [path, ...]       # template files to delete
    replace:                  # exact edits, each must match once
      sidecar.yaml: [["currentStep: 6", "currentStep: 8"]]
    expect: text              # (fail/warn) some finding's message contains this

The harness copies the base to tmp_path, overlays the example, runs the one gate and checks the outcome:
pass/ -> passed, fail/ -> failed, warn/ -> warned; a failing or warning example's findings name a file and line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.gates.registry import all_gates
from tests.projects import make_project, run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
META = "example.yaml"
OUTCOMES = {"pass": "passed", "fail": "failed", "warn": "warned"}
# Gates whose examples this suite requires (a pass and a fail or warn each). Gates of other modules join the
# list as their examples land; a gate with any example directory must have both kinds regardless.
REQUIRED_GATES = (
    "workflow.architecture", "workflow.current-step", "workflow.rag-only-skip", "workflow.training-outputs",
    "stories.per-step", "stories.fields",
    "training.schema", "training.peft", "training.hyperparameters", "training.quantization", "training.max-length",
    "training.monitoring", "training.base-model", "training-spec.drift",
    "decisions.logged", "decisions.unique-ids", "decisions.required",
)


def discover() -> list[Path]:
    """Every example directory: tests/examples/<gate>/<kind>/<name>."""
    return sorted(p for p in EXAMPLES.glob("*/*/*") if p.is_dir() and p.parent.name in OUTCOMES)


CASES = discover()
RAN: set[str] = set()


def _case_id(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


def _meta(example: Path) -> dict[str, Any]:
    meta_path = example / META
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return meta or {}


def build(example: Path, dest: Path) -> Path:
    """The worked example (or the named base) with the example applied."""
    meta = _meta(example)
    replace = {rel: [tuple(edit) for edit in edits] for rel, edits in (meta.get("replace") or {}).items()}
    make_project(dest, meta.get("base", "worked-example"), replace=replace, remove=meta.get("remove", ()))
    for path in example.rglob("*"):
        if path.is_file() and path.name != META:
            target = dest / path.relative_to(example)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest


@pytest.mark.parametrize("example", CASES, ids=_case_id)
def test_example(example: Path, tmp_path: Path) -> None:
    gate_id, kind = example.parent.parent.name, example.parent.name
    assert gate_id in all_gates(), f"{_case_id(example)}: no gate {gate_id}"
    root = build(example, tmp_path / "project")
    result = run(gate_id, root)
    rendered = "\n".join(f.render() for f in result.findings) or result.reason
    assert result.outcome == OUTCOMES[kind], f"{_case_id(example)}: {result.outcome}\n{rendered}"
    if kind != "pass":
        _check_findings(example, root, result.findings)
    RAN.add(_case_id(example))


def _check_findings(example: Path, root: Path, findings: list[Any]) -> None:
    for finding in findings:
        assert finding.path and finding.line >= 1, f"{finding.render()}: no file and line"
        assert (root / finding.path).is_file(), f"{finding.render()}: {finding.path} does not exist"
    expect = _meta(example).get("expect")
    if expect:
        assert any(expect in f.message for f in findings), f"no finding says {expect!r}: {findings}"


def test_every_example_was_discovered() -> None:
    """Count example directories independently of discover(): a layout slip must not skip examples silently."""
    on_disk = {
        str(p.relative_to(EXAMPLES))
        for gate in EXAMPLES.iterdir() if gate.is_dir()
        for kind in gate.iterdir() if kind.is_dir()
        for p in kind.iterdir() if p.is_dir()
    }
    assert on_disk == {_case_id(p) for p in CASES}
    stray = [p for p in EXAMPLES.glob("*/*") if p.is_dir() and p.name not in OUTCOMES]
    assert not stray, f"example folders must be pass/, fail/ or warn/: {stray}"


def test_every_example_ran(request: pytest.FixtureRequest) -> None:
    """Runs last in this module: each discovered example ran to its end (none skipped or deselected)."""
    if request.config.option.keyword or request.config.option.markexpr or hasattr(request.config, "workerinput"):
        pytest.skip("a -k/-m selection or an xdist worker runs only some examples")
    assert {_case_id(p) for p in CASES} - RAN == set()


def test_gates_have_pass_and_fail_examples() -> None:
    kinds: dict[str, set[str]] = {}
    for path in CASES:
        kinds.setdefault(path.parent.parent.name, set()).add(path.parent.name)
    for gate_id in {*REQUIRED_GATES, *kinds}:
        found = kinds.get(gate_id, set())
        assert "pass" in found and found & {"fail", "warn"}, f"{gate_id}: examples {sorted(found) or 'none'}"


@pytest.mark.parametrize("template", ["worked-example", "rag-only"])
def test_templates_pass_every_gate(template: str, tmp_path: Path) -> None:
    root = make_project(tmp_path / template, template)
    for gate_id in all_gates():
        result = run(gate_id, root)
        assert result.outcome in ("passed", "skipped"), (gate_id, [f.render() for f in result.findings])
