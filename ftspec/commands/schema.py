"""`ftspec schema`: JSON Schema for each artifact, generated from the models.

pydantic describes a model's fields, not what its `mode="before"` validators let in, nor the checks the schema
gates add; the patches below (keyed by model title) make each schema accept what `ftspec check` accepts: flat
taxonomy and persona dimensions, the rubric's list encoding, calibration types in any case with spaces, and
gate settings that name real gates and parameters. Cross-field rules (`min` above `max`, a QLoRA config without
quantization) stay with the gates: JSON Schema cannot compare two values."""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec.artifacts import SCHEMA_NAMES, schema_model
from ftspec.errors import UsageError
from ftspec.paths import safe_write

DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]


def json_schema(name: str) -> Schema:
    """The JSON Schema of one artifact. Its `$id` is the file name `ftspec schema --output` writes, so it
    resolves against the folder the schema is read from."""
    schema = schema_model(name).model_json_schema()
    for node in [schema, *schema.get("$defs", {}).values()]:
        patch = PATCHES.get(node.get("title", ""))
        if patch is not None:
            patch(node, schema)
    if name == "manifest":
        _gate_settings(schema)
    schema.setdefault("$defs", {})["NoPlaceholder"] = NO_PLACEHOLDER
    schema["allOf"] = [*schema.get("allOf", []), {"$ref": "#/$defs/NoPlaceholder"}]
    return {"$schema": DIALECT, "$id": f"{name}.json", **schema}


# A value still reading `TODO: what to write` (the blank template's placeholders, ftspec/placeholders.py MARKER)
# is "not filled in yet" wherever it sits, at any depth.
NO_PLACEHOLDER: Schema = {
    "description": "No value is still a `TODO:` / `TBD` / `FIXME` placeholder.",
    "anyOf": [
        {"type": "string", "not": {"pattern": "^[ \\t\\n\\r\\f\\v]*(TODO|TBD|FIXME)([^A-Za-z0-9_]|$)"}},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": {"$ref": "#/$defs/NoPlaceholder"}},
        {"type": "object", "additionalProperties": {"$ref": "#/$defs/NoPlaceholder"}},
    ],
}


def _flat_dimensions(fixed: tuple[str, ...], value: Schema) -> Callable[[Schema, Schema], None]:
    """A model whose extra keys fold into `dimensions` when `dimensions` itself is absent."""

    def patch(node: Schema, root: Schema) -> None:
        node["additionalProperties"] = value
        node["if"] = {"required": ["dimensions"]}
        node["then"] = {"propertyNames": {"enum": [*fixed, "dimensions"]}}

    return patch


def _list_encoding(field: str, key: str, ref: str) -> Callable[[Schema, Schema], None]:
    """`field` as a mapping keyed by id, or as a list of items that each carry `key` (the other encoding)."""

    def patch(node: Schema, root: Schema) -> None:
        item = copy.deepcopy(root["$defs"][ref])
        item["properties"] = {key: {"type": "string"}, **item["properties"]}
        item["required"] = [key, *item.get("required", [])]
        item["title"] = f"{ref} (list item)"
        mapping = node["properties"][field]
        listed = {"type": "array", "items": item, "minItems": mapping.get("minProperties", 0)}
        node["properties"][field] = {"title": mapping.get("title"), "anyOf": [mapping, listed]}

    return patch


def _calibration_type(node: Schema, root: Schema) -> None:
    """The model upper-cases the type and joins its words with `_`: `borderline fail` is BORDERLINE_FAIL."""
    words = {w: "".join(f"[{c.upper()}{c.lower()}]" for c in w) for w in ("pass", "fail", "na", "borderline")}
    either = f"({words['pass']}|{words['fail']})"
    pattern = rf"^\s*({either}|{words['na']}|{words['borderline']}(_|\s+){either})\s*$"
    field = node["properties"]["type"]
    node["properties"]["type"] = {"title": field.get("title"), "anyOf": [{"enum": field["enum"]},
                                                                         {"type": "string", "pattern": pattern}]}


def _rubric(node: Schema, root: Schema) -> None:
    _list_encoding("criteria", "id", "Criterion")(node, root)
    _list_encoding("categories", "name", "Category")(node, root)


def _scenario(node: Schema, root: Schema) -> None:
    """A scenario id may be written as a number (the model reads it as its text)."""
    field = node["properties"]["id"]
    node["properties"]["id"] = {"title": field.get("title"), "description": field.get("description"),
                                "anyOf": [{k: v for k, v in field.items() if k not in ("title", "description")},
                                          {"type": "integer"}]}


PATCHES: dict[str, Callable[[Schema, Schema], None]] = {
    "ScenarioResult": _scenario,
    "Taxonomy": _flat_dimensions(("topics",), {"type": "object", "additionalProperties": {"type": "number"}}),
    "PersonaBody": _flat_dimensions(("communication_style", "flaw_patterns"), {"$ref": "#/$defs/Dimension"}),
    "Rubric": _rubric,
    "CalibrationExample": _calibration_type,
}


def _gate_settings(schema: Schema) -> None:
    """`gates:` keys are gate ids, each with `skip`, `severity` and that gate's own parameters (the manifest
    schema gate's rule)."""
    from ftspec.gates.registry import all_gates
    from ftspec.gates.schema import SETTING_KEYS

    gates = schema["properties"]["gates"]
    gates["propertyNames"] = {"enum": sorted(all_gates())}
    gates["properties"] = {
        gate_id: {
            "type": "object",
            "description": gate.description,
            "properties": {**{key: {} for key in (*gate.defaults, *SETTING_KEYS)},
                           "severity": {"enum": ["error", "warning"]}},
            "additionalProperties": False,
        }
        for gate_id, gate in all_gates().items()
    }


def write_schemas(directory: Path, root: Path | None = None) -> list[Path]:
    """Write <name>.json for every artifact; returns the paths written. Never through a symbolic link: not the
    files', nor (with ``root``, a project) any folder between ``root`` and ``directory`` (a committed
    ``.ftspec`` link must not send the schemas outside the project)."""
    base = root if root is not None else directory
    folder = directory.relative_to(base) if root is not None else Path()
    if root is None:
        directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_NAMES:
        data = (json.dumps(json_schema(name), indent=2) + "\n").encode("utf-8")
        written.append(safe_write(base, folder / f"{name}.json", data))
    return written


def schema(artifact: str | None, output: Path | None) -> int:
    """Print one schema, or write them all to ``output``."""
    if output is not None:
        for path in write_schemas(output):
            print(path)
        return 0
    if artifact is None:
        print("\n".join(SCHEMA_NAMES))
        return 0
    if artifact not in SCHEMA_NAMES:
        close = difflib.get_close_matches(artifact, list(SCHEMA_NAMES), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(SCHEMA_NAMES)}"
        raise UsageError(f"unknown artifact '{artifact}'. {hint}")
    print(json.dumps(json_schema(artifact), indent=2))
    return 0
