"""The gate runner: a gate that imports numpy first loads OpenBLAS with one thread, and leaves no trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# A built-in gate that imports numpy, run as a check runs it, in a process where numpy is not imported yet.
SCRIPT = """
import json, os, sys
from pathlib import Path
from ftspec.gates.registry import Gate
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.projects import make_project

seen = {}

def imports_numpy(ctx):
    seen["during"] = os.environ.get("OPENBLAS_NUM_THREADS")
    import numpy
    seen["threads"] = len(os.listdir("/proc/self/task"))
    yield from ()

assert "numpy" not in sys.modules
result = run_gate(Gate("data.example", "data", imports_numpy, "d", "s"), Project(make_project(Path(sys.argv[1]))))
print(json.dumps({**seen, "outcome": result.outcome, "after": os.environ.get("OPENBLAS_NUM_THREADS")}))
"""
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _run(tmp_path: Path, **variables: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env.update(variables, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "p")], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_a_gate_that_imports_numpy_first_starts_no_blas_threads(tmp_path: Path) -> None:
    found = _run(tmp_path)
    # OpenBLAS would start a thread per core (each spinning ~0.1 s): the process keeps its one thread
    assert found == {"during": "1", "threads": 1, "outcome": "passed", "after": None}


def test_a_users_blas_setting_is_kept(tmp_path: Path) -> None:
    found = _run(tmp_path, OMP_NUM_THREADS="2")
    assert (found["during"], found["after"]) == (None, None)
    found = _run(tmp_path, OPENBLAS_NUM_THREADS="3")
    assert (found["during"], found["after"]) == ("3", "3")
