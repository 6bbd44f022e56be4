"""Types and ranges of gate parameters (the `gates:` settings of ftspec.yaml), checked before any gate runs.

A parameter's type comes from its default in ``@gate(...)``: a bool, an int, a float, a string, a list of
strings, a ``[low, high]`` range, or a mapping shaped like the default. Numbers must be finite (YAML's
``.inf`` and ``.nan`` are floats); ``RANGES`` adds the bounds a name implies. A gate whose settings are invalid
is skipped, and manifest.schema reports each bad value where it is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ftspec.gates.registry import Gate

Problem = tuple[list[str | int], str, str]  # key path under gates.<id>, message, fix

UNIT = (0.0, 1.0)
COUNT = (0, None)
# Bounds by parameter name (inclusive); a name not listed only needs the type of its default.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "tolerance": UNIT, "target": UNIT, "primary": UNIT, "secondary": UNIT, "high": UNIT, "low": UNIT,
    "min": COUNT, "max": COUNT, "min_levels": COUNT, "min_gates": COUNT, "min_acceptance_criteria": COUNT,
    "sft_min": COUNT, "sft_ideal": COUNT, "dpo_min": COUNT, "dpo_ideal": COUNT,
    "warn_above": (1, None), "ngram": (1, None), "alpha_ratio": (0.0, None),
    "max_record_bytes": (1, None), "max_file_bytes": (1, None),
}
# Defaults of None that still take a value: its type.
OPTIONAL: dict[str, type] = {"target": float}


def setting_problems(gate: Gate | dict[str, Any], settings: dict[str, Any]) -> Iterator[Problem]:
    """Each setting of ``gates.<id>`` whose value does not fit the parameter's type or range (``gate`` is a
    registered Gate or its row of the static gate table)."""
    defaults = gate["defaults"] if isinstance(gate, dict) else gate.defaults
    for key, value in settings.items():
        if key == "severity":
            if value not in ("error", "warning"):
                yield [key], "severity must be error or warning", "write `severity: warning` or remove it"
        elif key in defaults:
            yield from _problems([key], key, defaults[key], value)


def _problems(path: list[str | int], name: str, default: Any, value: Any) -> Iterator[Problem]:
    if default is None:
        if value is not None and name in OPTIONAL:
            yield from _problems(path, name, OPTIONAL[name](), value)
        return
    if isinstance(default, bool):
        if not isinstance(value, bool):
            yield path, f"{name} must be true or false, not {_shown(value)}", "write true or false"
    elif isinstance(default, int | float):
        yield from _number(path, name, default, value)
    elif isinstance(default, str):
        if not isinstance(value, str) or not value:
            yield path, f"{name} must be a non-empty string, not {_shown(value)}", f"write a string like {default!r}"
    elif isinstance(default, list):
        yield from _list(path, name, default, value)
    elif isinstance(default, dict):
        yield from _mapping(path, name, default, value)


def _number(path: list[str | int], name: str, default: int | float, value: Any) -> Iterator[Problem]:
    integral = isinstance(default, int)
    kind = "a whole number" if integral else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float) or (integral and not isinstance(value, int)):
        yield path, f"{name} must be {kind}, not {_shown(value)}", f"write {kind} like {default!r}"
        return
    if not math.isfinite(value):
        yield path, f"{name} must be a finite number, not {_shown(value)}", f"write {kind} like {default!r}"
        return
    low, high = RANGES.get(name, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        yield path, f"{name} must be {bounds}, not {value!r}", f"write {kind} like {default!r}"


def _list(path: list[str | int], name: str, default: list[Any], value: Any) -> Iterator[Problem]:
    pair = len(default) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in default)
    if not isinstance(value, list):
        what = "a [low, high] pair" if pair else "a list"
        yield path, f"{name} must be {what}, not {_shown(value)}", f"write {default!r}"
        return
    if pair:
        yield from _range(path, name, default, value)
        return
    item = default[0] if default else None
    for index, element in enumerate(value):
        if item is not None:
            yield from _problems([*path, index], f"{name}[{index}]", item, element)


def _range(path: list[str | int], name: str, default: list[Any], value: list[Any]) -> Iterator[Problem]:
    if len(value) != 2:
        yield path, f"{name} must be a [low, high] pair, not {len(value)} values", f"write {default!r}"
        return
    found = [p for i in (0, 1) for p in _number([*path, i], f"{name}[{i}]", default[i], value[i])]
    yield from found
    if not found and value[0] > value[1]:
        yield path, f"{name}: low {value[0]!r} is above high {value[1]!r}", "write [low, high]"


def _mapping(path: list[str | int], name: str, default: dict[Any, Any], value: Any) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield path, f"{name} must be a mapping, not {_shown(value)}", "write key: value lines under it"
        return
    # Keys that are data (workflow steps, decision steps) share one shape; named keys (sft, learning_rate) have
    # their own, and an unknown name is the gate's to report (it knows the names).
    data_keys = all(isinstance(k, int) or str(k).isdigit() for k in default)
    sample = next(iter(default.values()), None) if data_keys else None
    for key, element in value.items():
        shape = default.get(key, default.get(str(key), sample))
        if shape is not None:
            yield from _problems([*path, key], f"{name}.{key}", shape, element)


def _shown(value: Any) -> str:
    if value is None:
        return "null (~)"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"
