"""`ftspec gates`: every registered gate with its phase, severity, description, source and defaults."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

from ftspec.gates.registry import all_gates


def test_text_lists_every_gate(ftspec: Callable[..., Result]) -> None:
    result = ftspec("gates")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 * len(all_gates())
    for gate, line, source in zip(all_gates().values(), lines[::2], lines[1::2], strict=True):
        assert line.split()[:3] == [gate.id, gate.phase, gate.severity]
        assert line.endswith(gate.description)
        assert f"source: {gate.source}" in source


def test_json(ftspec: Callable[..., Result]) -> None:
    rows = json.loads(ftspec("gates", "--format", "json").stdout)["gates"]
    assert [r["id"] for r in rows] == list(all_gates())
    by_id = {r["id"]: r for r in rows}
    assert by_id["taxonomy.edge-case-share"]["defaults"] == {"target": 0.15, "tolerance": 0.05}
    assert by_id["personas.flaw-rates"]["severity"] == "warning"


def test_every_gate_is_documented() -> None:
    for gate in all_gates().values():
        assert gate.description and not gate.description.startswith(gate.id), gate.id
        assert gate.source, gate.id
        assert gate.phase in ("design", "data", "training", "workflow", "eval"), gate.id
