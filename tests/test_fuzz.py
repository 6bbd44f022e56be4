"""Hypothesis mutates the worked example's spec files; no mutation may crash the gates or lose a file name.

In-process (fast): every gate over the mutated project; each must end passed/failed/warned/skipped and every
finding must name a file and fit on one line. Through the CLI (slow, few examples): no traceback, exit 0 or 1.
CI runs at least 2,000 in-process examples (CI=true); FTSPEC_FUZZ_EXAMPLES overrides the count.
"""

from __future__ import annotations

import atexit
import copy
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftspec import loader, portability
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.conftest import REPO, WORKED

IN_CI = os.environ.get("CI", "").lower() == "true"
EXAMPLES = int(os.environ.get("FTSPEC_FUZZ_EXAMPLES", "2000" if IN_CI else "150"))
CLI_EXAMPLES = max(3, EXAMPLES // 200)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FILES = sorted(str(p.relative_to(WORKED)) for p in WORKED.rglob("*") if p.is_file())
ORIGINAL = {rel: (WORKED / rel).read_bytes() for rel in FILES}
OUTCOMES = {"passed", "failed", "warned", "skipped"}

SCALARS = [
    "1e-5",
    "yes",
    "no",
    "on",
    "off",
    "010",
    "0x1F",
    "~",
    "null",
    "",
    "''",
    '""',
    "-",
    "? x",
    ".inf",
    "-.nan",
    "2026-13-45",
    "12:30:00",
    "[]",
    "{}",
    "[a, b",
    "{a: 1",
    "&anchor x",
    "*nope",
    "!!binary aGk=",
    "!!str 5",
    "!!python/object:os.system x",
    "|",
    ">-",
    "'unterminated",
    '"\\xZZ"',
    "1_000",
    "0o17",
    "+1",
    "true",
    "TODO: fill me",
    "é ü 中文",
    "\t",
    "- a\n- b",
    "a: b: c",
    "%YAML 1.1",
    "--- x",
    "...",
    "<<: *x",
]
KEYS = [
    "nmae",
    "wieght",
    "criteria",
    "categories",
    "topics",
    "<<",
    "? ",
    "1",
    "true",
    "id",
    "type",
    "weights",
    "na_valid",
    "a b",
    "-",
    "k:",
    "&a",
    "*a",
]


def lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One edit of a file's bytes."""
    kind = draw(
        st.sampled_from(
            ["flip", "delete", "duplicate", "scalar", "rename", "retype", "truncate", "non-utf8", "insert"]
        )
    )
    rows = lines(data) or [b""]
    row = draw(st.integers(0, len(rows) - 1))
    if kind == "flip" and data:
        pos = draw(st.integers(0, len(data) - 1))
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1 :]
    if kind == "delete":
        return b"".join(rows[:row] + rows[row + 1 :])
    if kind == "duplicate":
        return b"".join(rows[: row + 1] + rows[row:])
    if kind in ("scalar", "retype") and b":" in rows[row]:
        key = rows[row].split(b":", 1)[0]
        pool = SCALARS if kind == "scalar" else ["[1, 2]", "{x: 1}", "null", "'text'", "3", "0.5", "true"]
        value = draw(st.sampled_from(pool) | st.text(max_size=12).map(lambda t: repr(t)[1:-1]))
        return b"".join(
            rows[:row] + [key + b": " + value.encode("utf-8", "replace") + b"\n"] + rows[row + 1 :]
        )
    if kind == "rename" and b":" in rows[row]:
        key, rest = rows[row].split(b":", 1)
        indent = key[: len(key) - len(key.lstrip())]
        new = draw(st.sampled_from(KEYS) | st.from_regex(r"[a-z_]{1,10}", fullmatch=True))
        return b"".join(rows[:row] + [indent + new.encode() + b":" + rest] + rows[row + 1 :])
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "non-utf8":
        pos = draw(st.integers(0, len(data)))
        return (
            data[:pos]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\x80\x80", b"\xed\xa0\x80"]))
            + data[pos:]
        )
    junk = draw(st.binary(max_size=8) | st.sampled_from([b"\t", b"\x00", b"\r", b"\n---\n", b": ", b"- "]))
    pos = draw(st.integers(0, len(data)))
    return data[:pos] + junk + data[pos:]


@st.composite
def mutated_project(draw: st.DrawFn) -> dict[str, bytes]:
    """1-3 mutations, each on a (possibly different) spec file; returns the changed files."""
    changed: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 3))):
        rel = draw(st.sampled_from(FILES))
        changed[rel] = draw(mutation(changed.get(rel, ORIGINAL[rel])))
    return changed


class Scratch:
    """One copy of the worked example; each example writes its mutated files and puts the originals back.

    A fresh ``Project`` per example means nothing parsed is reused; the files' mtimes move with every write.
    """

    def __init__(self) -> None:
        parent = tempfile.mkdtemp(prefix="ftspec-fuzz-")
        atexit.register(shutil.rmtree, parent, ignore_errors=True)
        self.root = Path(parent) / "project"
        shutil.copytree(WORKED, self.root, ignore=shutil.ignore_patterns(".ftspec"))

    def apply(self, changed: dict[str, bytes]) -> Path:
        for rel, data in changed.items():
            (self.root / rel).write_bytes(data)
        return self.root

    def restore(self, changed: dict[str, bytes]) -> None:
        for rel in changed:
            (self.root / rel).write_bytes(ORIGINAL[rel])
        shutil.rmtree(self.root / ".ftspec", ignore_errors=True)


SCRATCH = Scratch()

# Unchanged files parse the same in every example; memoising the two parsers on the exact text keeps 2,000
# examples well inside CI's budget while every mutated text is still parsed afresh (a changed text is a miss).
# Gates and model validation still run in full on every example; nothing downstream mutates parsed data.
_parse_yaml = functools.lru_cache(maxsize=64)(loader.parse_yaml)
_yaml11_load = functools.lru_cache(maxsize=64)(portability.yaml11_load)


def _memo_parse_yaml(text: str, rel: str, line_offset: int = 0) -> loader.YamlDoc:
    return _parse_yaml(text, rel, line_offset)


def _memo_yaml11(text: str) -> object:
    return copy.deepcopy(_yaml11_load(text))  # PyYAML's plain dicts: a copy costs little


@FUZZ
@given(mutated_project())
def test_gates_survive_mutations(changed: dict[str, bytes]) -> None:
    root = SCRATCH.apply(changed)
    try:
        with (
            mock.patch.object(loader, "parse_yaml", _memo_parse_yaml),
            mock.patch.object(portability, "yaml11_load", _memo_yaml11),
        ):
            check_every_gate(Project(root))
    finally:
        SCRATCH.restore(changed)


def check_every_gate(project: Project) -> None:
    """Run all gates in-process; any exception propagates and fails the example."""
    for gate in all_gates().values():
        result = run_gate(gate, project)  # any exception here is a bug the fuzzer found
        assert result.outcome in OUTCOMES, result
        for finding in result.findings:
            assert finding.path, (gate.id, finding)
            assert "\n" not in finding.render(), (gate.id, finding.render())
        if result.outcome == "skipped":
            assert result.reason, gate.id


@settings(
    max_examples=CLI_EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_project())
def test_cli_never_shows_a_traceback(changed: dict[str, bytes]) -> None:
    root = SCRATCH.apply(changed)
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [sys.executable, "-m", "ftspec", "check", str(root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        output = proc.stdout + proc.stderr
        assert "Traceback" not in output and "internal error" not in output, output
        assert proc.returncode in (0, 1), output
    finally:
        SCRATCH.restore(changed)
