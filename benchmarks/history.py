"""How `ftspec check` and `ftspec review` scale with the decision history: 250, 500 and 1,000 decisions.

Each project is the worked example with N more decisions, committed one by one (each commit appends one entry
to decision-log.md and one decision to sidecar.yaml and carries its Decision-Id trailer). The repositories are
written with `git fast-import`, so building them takes seconds. Rows, each the median of a few runs:

- cold check: `ftspec check` with no .ftspec folder (a fresh clone, CI);
- review: `ftspec review HEAD~10..HEAD` (checks the project at both ends, in temporary worktrees);

next to the worked example (one commit) for scale. Targets (issue 16): each doubling of the history costs at
most 2.1x, and a cold check of the 1,000-decision project at most 3x the worked example's.

    PYTHONPATH=$PWD python benchmarks/history.py [--runs 3] [--sizes 250 500 1000]
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKED = REPO / "spec-templates" / "worked-example"
DOUBLING_TARGET = 2.1
WORKED_TARGET = 3.0
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
AUTHOR = "Bench <bench@example.com>"
EPOCH = 1_790_000_000


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _commit(n: int, message: str, files: dict[str, bytes], first: bool) -> bytes:
    stamp = f"{AUTHOR} {EPOCH + n * 60} +0000".encode()
    out = [b"commit refs/heads/main\n", b"author " + stamp + b"\n", b"committer " + stamp + b"\n",
           _data(message.encode())]
    if first:
        out.append(b"deleteall\n")
    for path, content in files.items():
        out.append(b"M 100644 inline " + path.encode() + b"\n" + _data(content))
    return b"".join(out)


def _entry(i: int) -> tuple[str, str, str]:
    """One decision-log entry (~260 bytes, like the issue's log) and its sidecar decision."""
    did = f"SCALE-{i:03d}" if i < 1000 else f"SCALEX-{i - 1000:03d}"
    log = (f"\n## {did}: Decision number {i}\n\n**Decision:** option {i % 7} of the candidates we compared\n"
           f"**Date:** 2026-11-20\n**Step:** 5 - Training\n\n**Rationale:** Measured on the pilot set: option "
           f"{i % 7} held the rubric score while costing less; see run {i}.\n\n---\n")
    side = (f"  - id: {did}\n    step: 5\n    title: Decision number {i}\n    choice: option {i % 7}\n"
            f"    rationale: Measured on the pilot set.\n")
    return did, log, side


def build(dest: Path, decisions: int) -> Path:
    """The worked example plus ``decisions`` committed decisions, as a git repository at ``dest``."""
    shutil.copytree(WORKED, dest, ignore=shutil.ignore_patterns(".ftspec", "__pycache__"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=ENV)
    files = {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(dest).parts}
    log, sidecar = files["decision-log.md"].decode(), files["sidecar.yaml"].decode()
    head, _, tail = sidecar.partition("stories:\n")
    trailers = "".join(f"Decision-Id: {did}\n" for did in re.findall(r"^  - id: (\S+)$", head, re.M))
    stream = [_commit(0, f"worked example\n\n{trailers}", files, first=True)]
    for i in range(decisions):
        did, entry, side = _entry(i)
        log += entry
        head += side
        changed = {"decision-log.md": log.encode(), "sidecar.yaml": (head + "stories:\n" + tail).encode()}
        stream.append(_commit(i + 1, f"{did}: decision {i}\n\nDecision-Id: {did}\nDecision-Step: 5\n",
                              changed, first=False))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=dest, input=b"".join(stream), check=True, env=ENV)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, check=True, env=ENV)
    return dest


def timed(cmd: list[str], cwd: Path, before: Path | None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run, CPU counting every child process (git included)."""
    if before is not None:
        shutil.rmtree(before, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


def measure(project: Path, runs: int, review: bool) -> dict[str, tuple[float, float]]:
    ftspec = [sys.executable, "-m", "ftspec"]
    rows = {"cold check": (ftspec + ["check", "."], project / ".ftspec")}
    if review:
        rows["review HEAD~10..HEAD"] = (ftspec + ["review", "HEAD~10..HEAD"], project / ".ftspec")
    out = {}
    for label, (cmd, drop) in rows.items():
        samples = [timed(cmd, project, drop) for _ in range(runs)]
        out[label] = (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "ftspec")], env=ENV, check=True,
                   stdout=subprocess.DEVNULL)
    results: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in [0, *args.sizes]:
            started = time.perf_counter()
            project = build(Path(tmp) / f"p{size}", size)
            built = time.perf_counter() - started
            results[size] = measure(project, args.runs, review=size > 10)
            print(f"built {size:5d} decisions in {built:5.1f} s", file=sys.stderr)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, medians of {args.runs} runs; "
          "wall s / CPU s (this process's children, git included)")
    worked = results[0]["cold check"]
    print(f"{'worked example (1 commit)':<28} cold check {worked[0]:7.2f} / {worked[1]:6.2f}")
    previous: int | None = None
    for size in args.sizes:
        cells = []
        for label, (wall, cpu) in results[size].items():
            cell = f"{label} {wall:7.2f} / {cpu:6.2f}"
            if previous is not None and previous * 2 == size:
                growth = cpu / results[previous][label][1]
                cell += f" (x{growth:4.2f} per doubling, target <= {DOUBLING_TARGET}: "
                cell += ("met" if growth <= DOUBLING_TARGET else "NOT met") + ")"
            cells.append(cell)
        indent = "\n" + " " * 29
        print(f"{f'{size} decisions':<28} " + indent.join(cells))
        previous = size
    largest = max(args.sizes)
    ratio = results[largest]["cold check"][1] / worked[1]
    verdict = "met" if ratio <= WORKED_TARGET else "NOT met"
    print(f"cold check, {largest} decisions / worked example (CPU): {ratio:4.2f} (target <= {WORKED_TARGET}: "
          f"{verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
