"""Schema gates: each artifact loads and validates against its model, every error with file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pydantic import BaseModel

from ftspec.artifacts import ARTIFACTS
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.params import setting_problems
from ftspec.gates.registry import REGISTRY, gate
from ftspec.models.library_check import unchecked_library_keys
from ftspec.results import Finding

SOURCE = "methodology.md section 1 (artifacts); STYLE.md 3 (errors name the place)"
SETTING_KEYS = ("skip", "severity")


@gate("manifest.schema", phase="design", source="DESIGN.md (ftspec.yaml)")
def manifest_schema(ctx: GateContext) -> Iterator[Finding]:
    """ftspec.yaml is valid: known keys, right types, and gate settings that name real gates and parameters."""
    loaded = ctx.project.manifest_loaded()
    yield from (Finding.from_error(e) for e in loaded.errors)
    if loaded.ok:
        yield from _gate_settings(ctx)
        # The project's own gates folder: collected only inside the project (`paths.gates: /` walks nothing).
        refused = ctx.project.refused(ctx.project.manifest.paths.gates, ("paths", "gates"))
        if refused is not None:
            yield Finding.from_error(refused)


def _gate_settings(ctx: GateContext) -> Iterator[Finding]:
    from ftspec.gates.table import gate_rows  # the static table: a manifest edit imports no other gate module

    known = {row["id"]: row for row in gate_rows()}
    for gate_id, settings in ctx.project.manifest.gates.items():
        if gate_id not in known:
            close = difflib.get_close_matches(gate_id, list(known), n=1)
            fix = f"did you mean '{close[0]}'?" if close else "run `ftspec gates` for the list"
            yield ctx.finding("manifest", ["gates", gate_id], f"unknown gate '{gate_id}'", fix)
            continue
        allowed = [*known[gate_id]["defaults"], *SETTING_KEYS]
        for key in settings:
            if key not in allowed:
                fix = f"settings for {gate_id}: {', '.join(allowed)}"
                yield ctx.finding("manifest", ["gates", gate_id, key], f"unknown setting '{key}'", fix)
        for keypath, message, fix in setting_problems(known[gate_id], settings):
            yield ctx.finding("manifest", ["gates", gate_id, *keypath], message, fix)


def _schema_gate(name: str) -> None:
    spec = ARTIFACTS[name]

    def check(ctx: GateContext) -> Iterator[Finding]:
        project = ctx.project
        if not project.exists(name) and not project.required(name):
            raise NotApplicable(f"{project.rel(name)} does not exist (optional)")
        loaded = project.load(name)
        yield from (Finding.from_error(e) for e in loaded.errors)
        if loaded.ok and isinstance(loaded.value, BaseModel):
            yield from _unchecked(ctx, name, loaded.value)

    check.__doc__ = f"The {spec.description} ({spec.kind}) exists and matches its schema."
    gate(f"{name.replace('_', '-')}.schema", phase="design", source=SOURCE)(check)


def _unchecked(ctx: GateContext, name: str, value: BaseModel) -> Iterator[Finding]:
    """A warning per section whose library keys were accepted without a check (the library is not installed)."""
    for found in unchecked_library_keys(value):
        message = f"not checked: {found.reason}; keys accepted unchecked: {', '.join(found.keys)}"
        yield ctx.finding(name, [*found.section, found.keys[0]], message, found.fix, "warning")


for _name, _spec in ARTIFACTS.items():
    if _spec.model_ref is not None and f"{_name.replace('_', '-')}.schema" not in REGISTRY:
        _schema_gate(_name)
