"""The exported JSON Schemas accept exactly what `ftspec check` accepts: every template file and every example
case is validated with jsonschema and with the artifact's schema gate, and the two must agree."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ftspec.artifacts import ARTIFACTS, SCHEMA_NAMES
from ftspec.commands.schema import json_schema, write_schemas
from ftspec.errors import SpecError
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.loader import load_markdown, load_yaml
from ftspec.models.manifest import Paths
from ftspec.project import Project
from ftspec.templates import template_dir, template_names
from tests.gates.test_examples import CASES, META, build, case_id, metadata

jsonschema = pytest.importorskip("jsonschema", reason="the dev extra installs jsonschema")

# Cross-field rules JSON Schema cannot state (it cannot compare two values or make one key's presence depend
# on another's content): the gate rejects these cases, the schema accepts them. Listed so the list stays exact.
CROSS_FIELD = {
    ("taxonomy.schema/fail/turn-range-order", "taxonomy"): "turn range min above max",
    ("training.schema/fail/approach-without-section", "training"): "approach needs its section",
    ("training.schema/fail/section-without-approach", "training"): "section needs its approach",
    ("training.schema/fail/qlora-without-quantization", "training"): "qlora needs quantization",
}


def gate_id(name: str) -> str:
    return f"{name.replace('_', '-')}.schema"


@cache
def validator(name: str) -> Any:
    schema = json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def data(project: Project, name: str) -> Any:
    """The artifact as JSON data (YAML dates as strings, as an editor sees them); None without frontmatter."""
    if name == "manifest":
        path, rel = project.root / "ftspec.yaml", "ftspec.yaml"
    else:
        path, rel = project.path(name), project.rel(name)
    if name != "manifest" and ARTIFACTS[name].kind == "frontmatter":
        front = load_markdown(path, rel).frontmatter
        return None if front is None else json.loads(json.dumps(front.data, default=str))
    return json.loads(json.dumps(load_yaml(path, rel).data, default=str))


def agree(root: Path, names: list[str], label: str) -> list[str]:
    """Each artifact's schema verdict against its gate's; the disagreements, as lines."""
    project = Project(root)
    out = []
    for name in names:
        if name != "manifest" and not project.exists(name):
            continue
        try:
            schema_ok = not list(validator(name).iter_errors(data(project, name)))
        except SpecError:  # not even YAML (a rubric kept in Markdown): no editor schema can accept it
            schema_ok = False
        gate_ok = run_gate(all_gates()[gate_id(name)], Project(root)).outcome != "failed"
        expected = (False, True) if (label, name) in CROSS_FIELD else (gate_ok, gate_ok)
        if (gate_ok, schema_ok) != expected:
            out.append(f"{label}: {name}: gate {'accepts' if gate_ok else 'rejects'}, schema "
                       f"{'accepts' if schema_ok else 'rejects'}")
    return out


@pytest.mark.parametrize("template", template_names())
def test_every_template_file_agrees(template: str) -> None:
    assert agree(template_dir(template), list(SCHEMA_NAMES), template) == []


def touched(case: Path) -> list[str]:
    """The artifacts a case changes against the worked example (the others are checked with the template); all
    of them when it changes the manifest (which may move them) or starts from another template."""
    meta = metadata(case)
    paths = {str(p.relative_to(case)) for p in case.rglob("*") if p.is_file()} - META
    paths |= set(meta.get("replace") or {}) | set(meta.get("remove", ()))
    if (case / "delete.txt").is_file():
        paths |= set((case / "delete.txt").read_text().split())
    if "ftspec.yaml" in paths or meta.get("base", "worked-example") != "worked-example":
        return list(SCHEMA_NAMES)
    return [name for name, rel in DEFAULT_PATHS.items() if rel in paths]


DEFAULT_PATHS = {"manifest": "ftspec.yaml", **{name: getattr(Paths(), ARTIFACTS[name].path_field)
                                                for name in SCHEMA_NAMES if name != "manifest"}}


def schema_verdicts(root: Path, names: list[str]) -> dict[str, bool]:
    project = Project(root)
    return {name: not list(validator(name).iter_errors(data(project, name)))
            for name in names if name == "manifest" or project.exists(name)}


@pytest.mark.parametrize("case", [c for c in CASES if c.parent.name == "pass" and touched(c)], ids=case_id)
def test_every_pass_example_is_valid(case: Path, tmp_path: Path) -> None:
    verdicts = schema_verdicts(build(case, tmp_path / "p"), touched(case))
    assert verdicts and all(verdicts.values()), verdicts


SCHEMA_FAILS = [c for c in CASES if c.parent.name == "fail" and c.parent.parent.name.endswith(".schema")]


@pytest.mark.parametrize("case", SCHEMA_FAILS, ids=case_id)
def test_every_schema_gate_fail_example_is_rejected(case: Path, tmp_path: Path) -> None:
    """Rejected by the schema exactly when the gate rejects it, bar the listed cross-field rules."""
    name = next(n for n in SCHEMA_NAMES if gate_id(n) == case.parent.parent.name)
    assert agree(build(case, tmp_path / "p"), [name], case_id(case)) == []


def test_the_cross_field_list_is_exact() -> None:
    assert {label for label, _ in CROSS_FIELD} <= {case_id(c) for c in SCHEMA_FAILS}
    assert len(SCHEMA_FAILS) >= 20


def test_ids_resolve_against_the_written_files(tmp_path: Path) -> None:
    """`$id` is the written file's name: a `$ref` to another schema by that name resolves beside it."""
    from referencing import Registry, Resource

    written = write_schemas(tmp_path / "schema")
    resources = []
    for path in written:
        schema = json.loads(path.read_text())
        assert schema["$id"] == path.name
        resources.append((path.resolve().as_uri(), Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    base = (tmp_path / "schema" / "rubric.json").resolve().as_uri()
    resolved = registry.resolver(base).lookup("manifest.json")
    assert resolved.contents["$id"] == "manifest.json"
    assert registry.resolver(base).lookup(base).contents["$id"] == "rubric.json"
