"""YAML portability: scalars that YAML 1.1 readers (PyYAML, most training tools) type differently.

ruamel.yaml reads YAML 1.2, where ``1e-5`` is a float, ``yes`` a string and ``010`` the integer 10; PyYAML reads
YAML 1.1, where they are a string, ``True`` and 8. A spec must mean the same to every reader, so each such scalar
is reported with its line and an unambiguous spelling.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftspec.loader import YamlDoc


@dataclass(frozen=True)
class Ambiguity:
    """A scalar typed differently by YAML 1.1 and YAML 1.2."""

    keypath: tuple[str | int, ...]
    text: str
    as_12: str
    as_11: str
    fix: str


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return "boolean"
    for kind, types in (("integer", int), ("float", float), ("string", str), ("mapping", dict), ("list", list)):
        if isinstance(value, types):
            return kind
    if isinstance(value, datetime.date):
        return "date"
    return type(value).__name__


def _describe(value: Any) -> str:
    kind = _kind(value)
    return f"{kind} {value!r}" if kind in ("boolean", "integer", "float", "string") else kind


def _same(a: Any, b: Any) -> bool:
    if _kind(a) != _kind(b):
        return False
    if isinstance(a, dict | list):
        return True
    try:
        return bool(a == b)
    except Exception:  # exotic types: compare their text
        return str(a) == str(b)


def yaml11_load(text: str) -> Any:
    """The document as PyYAML (YAML 1.1) reads it."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def find_ambiguities(doc: YamlDoc) -> Iterator[Ambiguity]:
    """Every scalar whose type or value differs between ruamel (1.2) and PyYAML (1.1)."""
    yield from _diff(doc, doc.data, yaml11_load(doc.text), ())


def _diff(doc: YamlDoc, a: Any, b: Any, path: tuple[str | int, ...]) -> Iterator[Ambiguity]:
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) == len(b):
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
                if not _same(ka, kb):
                    yield _ambiguity(doc, (*path, ka), ka, kb, key=True)
                yield from _diff(doc, va, vb, (*path, ka))
        return
    if isinstance(a, list) and isinstance(b, list):
        for idx, (va, vb) in enumerate(zip(a, b, strict=False)):
            yield from _diff(doc, va, vb, (*path, idx))
        return
    if not _same(a, b):
        yield _ambiguity(doc, path, a, b)


def _ambiguity(doc: YamlDoc, path: tuple[str | int, ...], a: Any, b: Any, key: bool = False) -> Ambiguity:
    text = _source_text(doc, path, key) or str(a)
    return Ambiguity(path, text, _describe(a), _describe(b), _fix(text, a))


def _source_text(doc: YamlDoc, path: tuple[str | int, ...], key: bool) -> str:
    loc = doc.locate(path)
    lines = doc.text.splitlines()
    idx = loc.line - 1 - doc.line_offset
    if not 0 <= idx < len(lines):
        return ""
    line = lines[idx][max(loc.col - 1, 0):]
    if not key and ":" in line and isinstance(path[-1] if path else None, str):
        line = line.split(":", 1)[1]
    token = line.strip().lstrip("- ").split(" #")[0]
    for stop in (",", "]", "}"):
        token = token.split(stop)[0]
    return token.split(":")[0].strip() if key else token.strip()


def _fix(text: str, value: Any) -> str:
    kind = _kind(value)
    if kind == "float":
        mantissa, _, exp = text.lower().partition("e")
        if exp and "." not in mantissa:
            return f"write {mantissa}.0e{exp} so both read a float"
    if kind == "integer":
        return f"write {int(value)} without leading zeros, or quote it for a string"
    return f"quote it ('{text}') for a string, or write true/false for a boolean"
