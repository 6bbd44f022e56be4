"""Build throwaway projects from the spec templates for gate tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from ftspec.results import GateResult

TEMPLATES = Path(__file__).resolve().parents[1] / "spec-templates"


def make_project(
    dest: Path,
    base: str = "worked-example",
    files: Mapping[str, str] | None = None,
    replace: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    remove: Iterable[str] = (),
) -> Path:
    """Copy a template to ``dest``, write ``files``, apply exact ``replace`` edits and delete ``remove``."""
    shutil.copytree(TEMPLATES / base, dest, dirs_exist_ok=True)
    for rel, text in (files or {}).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    for rel, edits in (replace or {}).items():
        path = dest / rel
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            count = text.count(old)
            if count != 1:  # an edit that no longer applies must not silently test the unchanged template
                raise AssertionError(f"{rel}: expected {old!r} once, found it {count} times")
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    for rel in remove:
        (dest / rel).unlink()
    return dest


def run(gate_id: str, root: Path) -> GateResult:
    """Run one gate on a fresh Project at ``root``."""
    return run_gate(all_gates()[gate_id], Project(root))
