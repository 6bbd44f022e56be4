"""Parameter changes between two revisions: params.yaml, ftspec.yaml and the training spec, key by key.

DVC reads its parameters from these files (`dvc exp run -S FILE:KEY=VALUE` edits them), so a review shows a
changed learning rate in config/training.yaml as plainly as one in params.yaml. Keys outside params.yaml are
named as DVC names them, `FILE:dotted.key`.
"""

from __future__ import annotations

from typing import Any

PARAMS_YAML = "params.yaml"


def param_files(manifest: str, training: str) -> list[str]:
    """The files whose values are parameters: DVC's default params.yaml, the manifest, the training spec."""
    return [PARAMS_YAML, manifest, training]


def flatten(text: str | None, name: str) -> dict[str, Any]:
    """dotted.key -> value for every leaf of a YAML mapping (lists are one value); unparsable text is one value."""
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(text) if text else {}
    except Exception:  # noqa: BLE001 - an unparsable file shows as one changed value
        return {name: "(unparsable)"}
    out: dict[str, Any] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif path:
            out[path] = node

    walk(data, "")
    return out


def changed_params(base: dict[str, str | None], head: dict[str, str | None]) -> list[dict[str, Any]]:
    """Every key whose value differs between the two revisions' texts of each file (added and removed included)."""
    rows: list[dict[str, Any]] = []
    for file in base.keys() | head.keys():
        old, new = flatten(base.get(file), file), flatten(head.get(file), file)
        label = "" if file == PARAMS_YAML else f"{file}:"
        rows += [
            {"param": label + key, "base": old.get(key), "head": new.get(key)}
            for key in sorted(old.keys() | new.keys())
            if old.get(key) != new.get(key)
        ]
    return sorted(rows, key=lambda r: (":" in r["param"], r["param"]))
