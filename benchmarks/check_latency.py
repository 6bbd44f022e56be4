"""Latency of `ftspec check` on the worked example, as a ratio to importing its own dependencies.

Baseline: `python -c "import pytest, pydantic, ruamel.yaml, click"`, measured in the same run, so the
ratio says how much ftspec adds on top of the libraries it cannot avoid. Target: ratio <= 1.5.

Runs: cold (no .ftspec/cache), warm (cache from a previous run), warm with only the built-in gates (the
worked example's own gates/test_*.py need the pydantic models on every run) and, when `ftspec check --help`
offers it, --no-cache. Each is the median wall time of N subprocess runs.

    PYTHONPATH=$PWD python benchmarks/check_latency.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKED = REPO / "spec-templates" / "worked-example"
TARGET = 1.5
Row = tuple[str, list[str], "Callable[[], None] | None"]
BASELINE = [sys.executable, "-c", "import pytest, pydantic, ruamel.yaml, click"]
ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def ftspec(*args: str) -> list[str]:
    return [sys.executable, "-m", "ftspec", *args]


def once(cmd: list[str], before: Callable[[], None] | None) -> float:
    """Wall seconds of one run; exits if the command fails."""
    if before:
        before()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return elapsed


def medians(rows: list[Row], runs: int) -> list[float]:
    """Round-robin over the rows, so a busy machine slows every row alike; one untimed warm-up round."""
    samples: list[list[float]] = [[] for _ in rows]
    for i in range(runs + 1):
        for samples_of, (_label, cmd, before) in zip(samples, rows, strict=True):
            elapsed = once(cmd, before)
            if i:
                samples_of.append(elapsed)
    return [statistics.median(s) for s in samples]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(WORKED, project, ignore=shutil.ignore_patterns(".ftspec"))
        cache = project / ".ftspec" / "cache"

        def drop_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        help_text = subprocess.run(ftspec("check", "--help"), env=ENV, capture_output=True, text=True).stdout
        rows: list[Row] = [
            ("baseline: import pytest, pydantic, ruamel.yaml, click", BASELINE, None),
            ("check, cold (no cache dir)", ftspec("check", str(project)), drop_cache),
            ("check, warm (cache kept)", ftspec("check", str(project)), None),
            # The project's own gates/test_*.py take typed fixtures, so they build the pydantic models on every
            # run (their results are never cached: they are arbitrary code). This row shows the built-in gates.
            ("check, warm, built-in gates only (-k 'not test_career_coach')",
             ftspec("check", "-k", "not test_career_coach", str(project)), None),
        ]
        if "--no-cache" in help_text:
            rows.append(("check --no-cache", ftspec("check", "--no-cache", str(project)), drop_cache))
        else:
            print("(ftspec check has no --no-cache option here: cold and warm run the same code path)")
        results = medians(rows, args.runs)
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} interleaved runs, medians"
        )
        base = results[0]
        print(f"{rows[0][0]:<58} {base * 1000:8.1f} ms")
        for (label, _cmd, _before), median in zip(rows[1:], results[1:], strict=True):
            ratio = median / base
            verdict = "met" if ratio <= TARGET else "NOT met"
            print(f"{label:<58} {median * 1000:8.1f} ms  ratio {ratio:4.2f}  (target <= {TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
