"""A generate run killed with SIGKILL resumes without losing or duplicating a record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ftspec.pipeline.common import Checkpoint, read_jsonl
from tests.pipeline.conftest import ROOT, args


def _generate(data: str, fault_after: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FTSPEC_FAULT_AFTER": str(fault_after)}
    cmd = [sys.executable, "-m", "ftspec.pipeline.generate", *args()[:4], "--data", data]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_kill_9_then_resume_loses_and_duplicates_nothing(work: Path) -> None:
    killed = _generate("data", fault_after=5)
    assert killed.returncode == -signal.SIGKILL
    assert len(read_jsonl(Path("data/conversations.jsonl"))) == 5
    assert _generate("data").returncode == 0
    assert _generate("clean").returncode == 0
    resumed = read_jsonl(Path("data/conversations.jsonl"))
    clean = read_jsonl(Path("clean/conversations.jsonl"))
    assert len({r["id"] for r in resumed}) == len(resumed) == 16
    assert sorted(resumed, key=lambda r: r["id"]) == sorted(clean, key=lambda r: r["id"])


def test_a_torn_last_line_is_cut_and_redone(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "x": 1}\n{"id": "b", "x"')
    cp = Checkpoint(path)
    assert set(cp.done) == {"a"}
    cp.append({"id": "b", "x": 2})
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b"]


def test_records_made_from_other_inputs_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    Checkpoint(path, lambda rid: "old").append({"id": "a"})
    assert Checkpoint(path, lambda rid: "old").done
    assert not Checkpoint(path, lambda rid: "new").done
