"""The gate registry: a dict of gates, each a small function from a context to findings."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftspec.results import Finding, Severity

if TYPE_CHECKING:
    from ftspec.gates.context import GateContext

GateFunc = Callable[["GateContext"], Iterable[Finding]]

# Modules that define built-in gates, in report order.
GATE_MODULES = (
    "schema",
    "portability",
    "model_choice",
    "taxonomy",
    "rubric",
    "personas",
    "prompts",
    "base_eval",
    "workflow",
    "stories",
    "training",
    "drift",
    "restated",
    "decisions",
    "data",
    "contamination",
    "content",
    "evaluation",
)


@dataclass(frozen=True)
class Gate:
    """A built-in gate: id, phase, default severity, description, the source it enforces, and defaults."""

    id: str
    phase: str
    func: GateFunc
    description: str
    source: str
    severity: Severity = "error"
    needs: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, Gate] = {}


def gate(
    gate_id: str, *, phase: str, source: str, needs: tuple[str, ...] = (), severity: Severity = "error",
    **defaults: Any,
) -> Callable[[GateFunc], GateFunc]:
    """Register a gate; its docstring's first line is its description."""

    def register(func: GateFunc) -> GateFunc:
        doc = (func.__doc__ or gate_id).strip().splitlines()[0]
        if gate_id in REGISTRY:
            raise ValueError(f"duplicate gate id {gate_id}")
        REGISTRY[gate_id] = Gate(gate_id, phase, func, doc, source, severity, needs, dict(defaults))
        return func

    return register


def all_gates() -> dict[str, Gate]:
    """Every built-in gate, after importing the gate modules; in their order (a module's gates as it defines them),
    whichever module was imported first."""
    for module in GATE_MODULES:
        importlib.import_module(f"ftspec.gates.{module}")
    rank = {f"ftspec.gates.{module}": i for i, module in enumerate(GATE_MODULES)}
    return {g.id: g for g in sorted(REGISTRY.values(), key=lambda g: rank.get(g.func.__module__, len(rank)))}


def load_gate(gate_id: str, module: str | None = None) -> Gate:
    """One gate, importing only the module that defines it when that is known (each gate module pulls in the
    models it reads; a check that reruns one gate should not build them all)."""
    if gate_id not in REGISTRY and module:
        importlib.import_module(module)
    return REGISTRY[gate_id] if gate_id in REGISTRY else all_gates()[gate_id]
