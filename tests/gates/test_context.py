"""The gate context's reader: the one way a built-in gate reads a project file that is not an artifact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ftspec.errors import SpecError
from ftspec.gates.context import GateContext
from ftspec.gates.registry import all_gates
from ftspec.project import Project

GATES = Path(__file__).parents[2] / "ftspec" / "gates"
# Reading a file any other way: a gate that did so could follow a link outside the project or read /dev/zero.
DIRECT_READ = re.compile(r"(?<!ctx)\.(?:read_text|read_bytes|open)\(|\bread_limited\(|(?<![.\w])open\(")
# context.py holds the reader; table.py hashes ftspec's own gate modules (a development tool, not a gate).
EXEMPT = {"context.py", "table.py", "_table.py"}


def test_no_gate_module_reads_a_file_around_the_context() -> None:
    found = [f"{path.name}:{number}: {line.strip()}" for path in sorted(GATES.glob("*.py")) if path.name not in EXEMPT
             for number, line in enumerate(path.read_text().splitlines(), start=1) if DIRECT_READ.search(line)]
    assert found == []


def context(root: Path) -> GateContext:
    return GateContext(Project(root), all_gates()["eval.results"], {})


def test_read_text_records_the_file_as_an_input(worked: Path) -> None:
    (worked / "notes.md").write_text("hello\n")
    ctx = context(worked)
    assert ctx.read_text("notes.md") == "hello\n"
    assert "file:notes.md" in ctx.project.recording


def test_a_link_outside_the_project_is_refused_by_name(worked: Path) -> None:
    secret = worked.parent / "secret.txt"
    secret.write_text("API_KEY=do-not-print")
    (worked / "notes.md").symlink_to(secret)
    with pytest.raises(SpecError) as error:
        context(worked).read_text("notes.md", ("gates", "eval.results"))
    assert "leads outside the project" in str(error.value) and "do-not-print" not in str(error.value)


def test_the_size_limit_is_enforced_while_reading(worked: Path) -> None:
    (worked / "big.md").write_bytes(b"x" * 2048)
    with pytest.raises(OSError, match="limit"):
        context(worked).read_bytes("big.md", limit=1024)
    assert context(worked).read_bytes("big.md", limit=2048) == b"x" * 2048
