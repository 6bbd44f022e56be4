"""`ftspec schema`: JSON Schema for each artifact, generated from the models."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from ftspec.artifacts import SCHEMA_NAMES, schema_model
from ftspec.errors import UsageError


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one artifact."""
    schema = schema_model(name).model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"ftspec:{name}"
    return schema


def write_schemas(directory: Path) -> list[Path]:
    """Write <name>.json for every artifact; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_NAMES:
        target = directory / f"{name}.json"
        target.write_text(json.dumps(json_schema(name), indent=2) + "\n", encoding="utf-8")
        written.append(target)
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
