"""`ftspec gates`: list every built-in gate."""

from __future__ import annotations

import json

from ftspec.gates.registry import all_gates
from ftspec.method import citation, doc_path
from ftspec.report.model import JSON_SCHEMA_VERSION


def gates(fmt: str = "text") -> int:
    """Print id, phase, severity and description of each gate, with its defaults and source."""
    registry = all_gates()
    if fmt == "json":
        rows = [{"id": g.id, "phase": g.phase, "severity": g.severity, "description": g.description,
                 "source": g.source, "method": citation(g.id), "method_page": str(doc_path() or ""),
                 "defaults": g.defaults} for g in registry.values()]
        print(json.dumps({"schema_version": JSON_SCHEMA_VERSION, "gates": rows}, indent=2))
        return 0
    width = max(len(g.id) for g in registry.values())
    for g in registry.values():
        print(f"{g.id:<{width}}  {g.phase:<8}  {g.severity:<7}  {g.description}")
        extras = ", ".join(f"{k}={v}" for k, v in g.defaults.items())
        method = f"; method: {citation(g.id)}" if citation(g.id) else ""
        print(f"{'':<{width}}  {'':<8}  {'':<7}  source: {g.source}{method}"
              + (f"; defaults: {extras}" if extras else ""))
    return 0
