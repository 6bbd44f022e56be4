"""`ftspec schema`: a valid JSON Schema per artifact, and the worked example validates against it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from ftspec.artifacts import ARTIFACTS, SCHEMA_NAMES
from ftspec.loader import parse_markdown, parse_yaml
from ftspec.templates import template_dir, template_names
from tests.conftest import WORKED

try:
    import jsonschema
except ImportError:  # optional: structural checks below still run
    jsonschema = None

Invoke = Callable[..., Result]


def schema_of(ftspec: Invoke, name: str) -> dict[str, Any]:
    result = ftspec("schema", name)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def worked_data(name: str) -> Any:
    """The worked example's artifact as plain JSON-compatible data."""
    if name == "manifest":
        return parse_yaml((WORKED / "ftspec.yaml").read_text(), "ftspec.yaml").data
    rel = getattr(
        __import__("ftspec.models.manifest", fromlist=["Paths"]).Paths(), ARTIFACTS[name].path_field
    )
    text = (WORKED / rel).read_text()
    if ARTIFACTS[name].kind == "frontmatter":
        front = parse_markdown(text, rel).frontmatter
        assert front is not None
        return front.data
    return parse_yaml(text, rel).data


def test_list(ftspec: Invoke) -> None:
    assert ftspec("schema").stdout.split() == list(SCHEMA_NAMES)


@pytest.mark.parametrize("name", list(SCHEMA_NAMES))
def test_schema_is_valid(ftspec: Invoke, name: str) -> None:
    schema = schema_of(ftspec, name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{name}.json"  # the file `ftspec schema --output` writes: resolves beside it
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    if jsonschema is not None:
        jsonschema.Draft202012Validator.check_schema(schema)
    else:
        _structurally_valid(schema, schema)


def _structurally_valid(node: Any, root: dict[str, Any]) -> None:
    """Without jsonschema: $refs resolve, types are JSON Schema types, keywords have the right shape."""
    assert isinstance(node, dict | bool), node
    if isinstance(node, bool):
        return
    if "$ref" in node:
        match = re.fullmatch(r"#/\$defs/(.+)", node["$ref"])
        assert match and match[1] in root.get("$defs", {}), node["$ref"]
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        assert set(types) <= {"object", "array", "string", "number", "integer", "boolean", "null"}, types
    for key in ("required", "enum"):
        assert isinstance(node.get(key, []), list)
    for key in ("properties", "$defs", "patternProperties"):
        for sub in node.get(key, {}).values():
            _structurally_valid(sub, root)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in node.get(key, []):
            _structurally_valid(sub, root)
    for key in ("items", "additionalProperties", "not"):
        if key in node:
            _structurally_valid(node[key], root)


@pytest.mark.parametrize("name", list(SCHEMA_NAMES))
def test_worked_example_validates_against_the_schema(ftspec: Invoke, name: str) -> None:
    if name == "sidecar":
        pytest.skip("the worked example has no sidecar (see the sidecar.schema examples)")
    schema = schema_of(ftspec, name)
    data = json.loads(json.dumps(worked_data(name), default=str))
    if jsonschema is not None:
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    else:
        missing = [key for key in schema.get("required", []) if key not in data]
        unknown = [key for key in data if key not in schema["properties"]]
        assert not missing and not unknown, (missing, unknown)


def test_unknown_artifact_did_you_mean(ftspec: Invoke) -> None:
    result = ftspec("schema", "rubrik")
    assert result.exit_code == 4
    assert "unknown artifact 'rubrik'. did you mean 'rubric'?" in result.stderr


def test_output_directory(ftspec: Invoke, tmp_path: Path) -> None:
    result = ftspec("schema", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{n}.json" for n in SCHEMA_NAMES)


def test_schema_lines_in_templates_point_at_written_schemas() -> None:
    """`# yaml-language-server: $schema=...` names `ftspec init` writes: .ftspec/schema/<name>.json."""
    for name in template_names():
        root = template_dir(name)
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            for match in re.finditer(r"\$schema=(\S+)", path.read_text()):
                if match[1].startswith(("https://", "http://")):  # a tool's own published schema (dvc.yaml)
                    continue
                target = (path.parent / match[1]).resolve()
                rel = target.relative_to(root.resolve())
                assert rel.parts[:2] == (".ftspec", "schema") and rel.stem in SCHEMA_NAMES, f"{path}: {rel}"
