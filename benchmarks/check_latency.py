"""Latency of `ftspec check` on the worked example, as a ratio to importing its own dependencies.

The project is a git repository as users have it (the worked example committed, its decisions carrying their
Decision-Id trailers), so the history gates do their real work.

Baseline: `python -c "import pytest, pydantic, ruamel.yaml, click"`, measured in the same run, so the
ratio says how much ftspec adds on top of the libraries it cannot avoid. Target: ratio <= 1.5.

Rows, each the median wall time of N subprocess runs, interleaved round-robin (and beside it the median CPU
seconds, the processes the check forks included, against the baseline's):
- repeated: `ftspec check` again with nothing changed since the previous check (the results are replayed);
- one spec file edited: config/rubric.yaml changes before each run (the built-in gates that read it run again
  in ftspec's process, and the one project gate that reads it in a child process forked to run beside them:
  a plain function of ftspec's fixtures that passes, it is called there without starting pytest, see
  ftspec/plain_gates.py), which is what a pre-commit hook on a commit that touches the spec pays;
- a file no project gate reads edited: config/training.yaml changes before each run (only the built-in gates
  that read it run again);
- cold: no .ftspec/cache (a fresh clone, CI);
- --no-cache: every gate runs and nothing is written.

    PYTHONPATH=$PWD python benchmarks/check_latency.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
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
# As a user's shell has it: Python writes and reuses bytecode. (Some sandboxes export PYTHONDONTWRITEBYTECODE,
# which makes every run recompile ftspec and the project's gates from source, while the libraries in the
# baseline were byte-compiled by pip at install time.)
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")


def commit(project: Path) -> None:
    """`git init` and one commit of everything, with a trailer for each decision of the sidecar."""
    env = {**ENV, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Bench",
           "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com"}
    ids = re.findall(r"^  - id: (\S+)$", (project / "sidecar.yaml").read_text(encoding="utf-8"), re.M)
    trailers = [arg for did in ids for arg in ("--trailer", f"Decision-Id: {did}")]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "worked example", *trailers]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def ftspec(*args: str) -> list[str]:
    return [sys.executable, "-m", "ftspec", *args]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once(cmd: list[str], before: Callable[[], None] | None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the command and the processes it waited for) of one run; exits if the
    command fails."""
    if before:
        before()
    start, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return elapsed, children_cpu() - cpu


def medians(rows: list[Row], runs: int) -> list[tuple[float, float]]:
    """Median wall and CPU seconds of each row. Round-robin over the rows, so a busy machine slows every row
    alike; one untimed warm-up round. On a shared machine the CPU column is the steadier one (it does not show
    what runs in parallel: the check's forked session overlaps its built-in gates)."""
    samples: list[list[tuple[float, float]]] = [[] for _ in rows]
    for i in range(runs + 1):
        for samples_of, (_label, cmd, before) in zip(samples, rows, strict=True):
            measured = once(cmd, before)
            if i:
                samples_of.append(measured)
    return [(statistics.median(w for w, _ in s), statistics.median(c for _, c in s)) for s in samples]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    # pip byte-compiles an installed package; an editable checkout gets the same here.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "ftspec")], env=ENV, check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(WORKED, project, ignore=shutil.ignore_patterns(".ftspec", "__pycache__"))
        commit(project)
        cache = project / ".ftspec" / "cache"

        def drop_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        rubric = project / "config" / "rubric.yaml"
        original = rubric.read_text(encoding="utf-8")
        edits = iter(range(1_000_000))

        def edit_rubric() -> None:
            rubric.write_text(f"{original}# edit {next(edits)}\n", encoding="utf-8")

        training = project / "config" / "training.yaml"
        training_text = training.read_text(encoding="utf-8")

        def edit_training() -> None:
            training.write_text(f"{training_text}# edit {next(edits)}\n", encoding="utf-8")

        # cold comes first in each round: it leaves the cache that the repeated run replays.
        rows: list[Row] = [
            ("baseline: import pytest, pydantic, ruamel.yaml, click", BASELINE, None),
            ("check, cold (no cache dir)", ftspec("check", str(project)), drop_cache),
            ("check, repeated (nothing changed)", ftspec("check", str(project)), None),
            ("check, one spec file edited (config/rubric.yaml)", ftspec("check", str(project)), edit_rubric),
            ("check, a file no project gate reads edited (training.yaml)", ftspec("check", str(project)),
             edit_training),
            ("check --no-cache", ftspec("check", "--no-cache", str(project)), drop_cache),
        ]
        results = medians(rows, args.runs)
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} interleaved runs, medians"
        )
        base, base_cpu = results[0]
        print(f"{rows[0][0]:<62} {base * 1000:8.1f} ms  CPU {base_cpu * 1000:6.1f} ms")
        for (label, _cmd, _before), (median, cpu) in zip(rows[1:], results[1:], strict=True):
            ratio = median / base
            verdict = "met" if ratio <= TARGET else "NOT met"
            print(f"{label:<62} {median * 1000:8.1f} ms  ratio {ratio:4.2f}  (target <= {TARGET}: {verdict})  "
                  f"CPU {cpu * 1000:6.1f} ms  ratio {cpu / base_cpu:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
