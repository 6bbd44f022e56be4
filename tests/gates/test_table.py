"""The static gate table equals what the @gate decorators register, and listing gates imports no gate module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ftspec.gates import _table, table


def test_the_table_is_what_the_decorators_register() -> None:
    assert table.render(table.registered(), table.source_hashes()) == table.GENERATED.read_text(encoding="utf-8"), (
        "ftspec/gates/_table.py is out of date: run `python -m ftspec.gates.table --write`"
    )
    assert table.gate_rows() == table.registered()


def test_a_stale_table_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_table, "SOURCES", {**_table.SOURCES, "rubric": "edited"})
    monkeypatch.setattr(_table, "GATES", [])
    assert table.gate_rows() == table.registered()


def test_write_regenerates_the_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stale = tmp_path / "_table.py"
    stale.write_text(table.GENERATED.read_text(encoding="utf-8").replace("'rubric.", "'rubrics."))
    monkeypatch.setattr(table, "GENERATED", stale)
    assert table.main([]) == 1
    assert table.main(["--write"]) == 0
    assert table.main([]) == 0
    assert stale.read_text(encoding="utf-8") == table.render(table.registered(), table.source_hashes())


def test_listing_the_gates_imports_no_gate_module() -> None:
    probe = ("import sys; from ftspec.gates.table import gate_rows; rows = gate_rows(); "
             "print(len(rows), sorted(m for m in sys.modules if m.startswith('ftspec.gates.') "
             "and m not in ('ftspec.gates.table', 'ftspec.gates._table', 'ftspec.gates.registry')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert int(out[0]) == len(table.registered())
    assert out[1].strip() == "[]"
