"""The strict base model and the translation of pydantic errors into located, fixable messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ftspec.errors import SpecError, SpecErrors
from ftspec.loader import YamlDoc

M = TypeVar("M", bound=BaseModel)


class RuleError(ValueError):
    """A cross-field rule's failure, located at a key path relative to the model whose validator raised it."""

    def __init__(self, keypath: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.keypath = keypath


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors and YAML types are taken as written."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, defer_build=True)


def field_vocabulary(model: type[BaseModel]) -> set[str]:
    """Every key name used anywhere in a model tree; the pool for did-you-mean suggestions."""
    return set(field_homes(model))


def field_homes(model: type[BaseModel]) -> dict[str, set[str]]:
    """Every key name used anywhere in a model tree -> the sections it belongs in ("" for the top level).

    A model may accept library keys beyond its own fields (`library_keys()`, e.g. every TrainingArguments field
    under `sft:`); they count as its keys here, so a key written in the wrong section is told where it belongs.
    """
    homes: dict[str, set[str]] = {}
    seen: set[type[BaseModel]] = set()

    def visit(cls: type[BaseModel], where: str) -> None:
        if cls in seen:
            return
        seen.add(cls)
        extra = getattr(cls, "library_keys", None)
        for key in extra() if callable(extra) else ():
            homes.setdefault(str(key), set()).add(where)
        for name, info in cls.model_fields.items():
            if info.exclude:  # filled by the model itself (a library section's extra keys), never written
                continue
            key = info.alias or name
            homes.setdefault(key, set()).add(where)
            for sub in _nested_models(info.annotation):
                visit(sub, f"{where}.{key}" if where else key)

    visit(model, "")
    return homes


def unknown_key_fix(key: str, homes: dict[str, set[str]]) -> str:
    """What to do about a key its section does not have: the section it belongs in, or the closest spelling.

    Never suggests the key itself: a real key in the wrong place is told where it goes."""
    if key == "library_args":  # the name of no YAML key, though a library section's extra keys read like one
        return "write its keys directly in this section (ftspec passes a library's keys to it as written)"
    elsewhere = sorted(homes.get(key, ()))
    if 0 < len(elsewhere) <= 2:
        sections = " or ".join(f"{h}:" if h else "the top level" for h in elsewhere)
        return f"'{key}' belongs under {sections}; move it there"
    close = difflib.get_close_matches(key, sorted(k for k in homes if k != key), n=1, cutoff=0.7)
    return f"did you mean '{close[0]}'?" if close else "remove it or check the spelling"


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _nested_models(arg)


def data_keypath(data: Any, loc: tuple[Any, ...]) -> list[str | int]:
    """The part of pydantic's ``loc`` that exists in the YAML data (drops union tags and renamed fields)."""
    path: list[str | int] = []
    node = data
    for key in loc:
        child = _child(node, key)
        if child is _MISSING:
            continue
        path.append(child[0])
        node = child[1]
    return path


_MISSING = object()


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, dict) and key in node:
        return key, node[key]
    if isinstance(node, list):
        if isinstance(key, int) and 0 <= key < len(node):
            return key, node[key]
        for idx, item in enumerate(node):  # list encoding of an id-keyed mapping: find the item by id/name
            if isinstance(item, dict) and key in (item.get("id"), item.get("name")):
                return idx, item
    return _MISSING


def validate(model: type[M], doc: YamlDoc, data: Any = None) -> M:
    """Validate a document against a model, raising SpecErrors that carry file, line and key path."""
    payload = doc.data if data is None else data
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        homes = field_homes(model)
        errors = _union_errors(list(exc.errors()))
        raise SpecErrors([to_spec_error(err, doc, payload, homes) for err in errors]) from None


def _union_errors(errors: list[Any]) -> list[Any]:
    """One error per place for a union field (`int | str`, `Story | str`), not one per alternative.

    pydantic reports every alternative it tried, each under a union tag at the end of ``loc``. A wrong-type error
    beside deeper errors of another alternative is noise (a mapping that almost is a Story is not meant as a
    string); several wrong-type errors at one place become one that names every accepted type.
    """
    out: list[Any] = []
    merged: dict[tuple[Any, ...], Any] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if not err["type"].endswith("_type") or len(loc) < 2:
            out.append(err)
            continue
        parent = loc[:-1]
        if any(tuple(o["loc"])[: len(parent)] == parent and len(o["loc"]) > len(loc) for o in errors):
            continue
        if parent in merged and merged[parent]["type"].endswith("_type"):
            first = merged[parent]
            kind = str(err["msg"]).removeprefix("Input should be a valid ").removeprefix("Input should be ")
            first["msg"] = f"{first['msg']} or {kind}"
            first["type"] = "union_type"
            continue
        merged[parent] = err = dict(err)
        out.append(err)
    return out


def to_spec_error(err: Any, doc: YamlDoc, data: Any, vocab: set[str] | dict[str, set[str]]) -> SpecError:
    """One pydantic error as a SpecError with a fix (``vocab``: field_homes, or a plain set of key names)."""
    loc = tuple(err["loc"]) + _rule_keypath(err)
    kind = err["type"]
    keypath = data_keypath(data, loc)
    location = doc.locate(keypath)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        homes = vocab if isinstance(vocab, dict) else {k: set() for k in vocab}
        return SpecError(location, f"unknown key '{key}'", unknown_key_fix(key, homes))
    if kind == "missing":
        return SpecError(location, f"required key '{loc[-1]}' is missing", f"add `{loc[-1]}:` here")
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "value_error" and ". " in message:  # a validator's "what is wrong. what to do"
        message, fix = message.split(". ", 1)
        return SpecError(location, message, fix)
    if kind not in ("value_error", "assertion_error") and "input" in err:
        message += f", got {_short(err['input'])}"
    return SpecError(location, message, _fix_for(kind))


def _rule_keypath(err: Any) -> tuple[str | int, ...]:
    """Where a RuleError points, so a cross-field rule reports the line of the key it concerns."""
    cause = (err.get("ctx") or {}).get("error")
    return cause.keypath if isinstance(cause, RuleError) else ()


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_FIXES = {
    "string_type": "quote the value or write text",
    "int_type": "write a whole number without quotes",
    "float_type": "write a number without quotes, like 0.15 or 2.0e-4",
    "bool_type": "write true or false",
    "list_type": "write a list: `- item` lines or [a, b]",
    "dict_type": "write a mapping of `key: value` lines",
    "literal_error": "use one of the allowed values",
    "union_type": "write a value of one of those types",
    "enum": "use one of the allowed values",
}


def _fix_for(kind: str) -> str:
    if kind in _FIXES:
        return _FIXES[kind]
    if kind.startswith(("greater", "less")):
        return "change the value to fit the range"
    if kind.startswith(("too_short", "too_long")):
        return "change the number of items"
    return "see `ftspec schema` for the expected shape"
