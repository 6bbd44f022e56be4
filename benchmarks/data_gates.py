"""Benchmark: every data gate on a corpus of the real shape, against the floor of reading and parsing it.

Builds, in a temporary project, a training set shaped like a real sliced fine-tuning corpus (default 700
transcripts of 40 exchanges, each sliced at 20, 25, 30, 35 and 40 exchanges: 3,500 records, ~91 MB, one
shared system prompt, every record a prefix of its transcript) and a small eval set, and a second project of
the same shape with 25 records. Then, in rounds (default 3), one after the other so that a busy spell of the
machine falls on all of them alike, it times
(1) the floor: a fresh process reading and JSON-parsing both files with pyarrow.json (timed after the import),
(2) a cold `ftspec check --no-cache -k data` (all eleven data gates, data.contamination included, as a user
    runs them, start-up included), and
(3) the same check on the 25-record project: what a data check costs before it reads any data,
and prints each round and the medians, with the ratios to the floor (wall and CPU seconds; on a shared
machine CPU seconds are the steadier figure). Each data gate's wall and CPU time in one process follows.
Targets (issue 11): every data gate together <= 10 s on 2 cores and <= 5x the floor.

The floor is measured in a fresh process each round because its first read after the corpus is written is
2-3x slower than the next ones (0.26-0.54 s against 0.12-0.15 s here): timed once, right after writing, it
made the ratio look twice as good as it is.

    PYTHONPATH=. python benchmarks/data_gates.py [--transcripts 700] [--rounds 3] [--workdir DIR] [--profile]

--profile also runs the one-pass summary afresh, in one process, under cProfile and prints its top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLICES = (20, 25, 30, 35, 40)
SMALL = 5  # transcripts of the 25-record project
SYSTEM = ("You are a warm, practical career coach. " * 60).strip()  # ~2.4 KB, the same in every record
WORDS = (
    "job", "manager", "team", "offer", "interview", "salary", "deadline", "week", "plan", "step", "feel", "want",
    "think", "talk", "ask", "write", "list", "role", "skill", "review", "project", "meeting", "time", "month",
    "year", "boss", "colleague", "goal", "change", "move", "work", "day",
)
GLUE = (
    "the", "a", "to", "and", "of", "I", "you", "my", "it", "is", "that", "for", "on", "with", "this", "but", "so",
    "what", "how", "about",
)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(GLUE) if rng.random() < 0.45 else rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + rng.choice((".", "?", "."))


def turn(rng: random.Random, words: int) -> str:
    return " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(max(1, words // 13)))


def transcript(rng: random.Random, exchanges: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for _ in range(exchanges):
        user = rng.randint(40, 90)
        messages.append({"role": "user", "content": turn(rng, user)})
        messages.append({"role": "assistant", "content": turn(rng, int(user * rng.uniform(0.9, 1.8)))})
    return messages


def write_corpus(root: Path, transcripts: int, seed: int = 11) -> tuple[int, int]:
    rng = random.Random(seed)
    rows = 0
    with (root / "data" / "train.jsonl").open("w") as out:
        for t in range(transcripts):
            full = transcript(rng, SLICES[-1])
            for cut in SLICES:
                meta = {"source_transcript": f"t{t}", "topics": ["job_search"]}
                out.write(json.dumps({"messages": full[: 1 + 2 * cut], "metadata": meta}) + "\n")
                rows += 1
    with (root / "data" / "eval.jsonl").open("w") as out:
        for e in range(max(5, transcripts // 50)):
            out.write(json.dumps({"messages": transcript(rng, 20), "metadata": {"source_transcript": f"e{e}"}}) + "\n")
    size = sum((root / "data" / name).stat().st_size for name in ("train.jsonl", "eval.jsonl"))
    return rows, size


def make_project(root: Path) -> None:
    shutil.copytree(ROOT / "spec-templates" / "worked-example", root)
    (root / "data").mkdir()
    examples = ROOT / "tests" / "examples" / "data.format" / "pass" / "generated" / "config" / "training.yaml"
    training = examples.read_text().replace("max_length: 512", "max_length: 32768")
    (root / "config" / "training.yaml").write_text(training)


FLOOR = """
import sys, time
import pyarrow.json as pj
started, cpu = time.perf_counter(), time.process_time()
for path in sys.argv[1:]:
    pj.read_json(path)
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def floor(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds for a fresh process to read and JSON-parse both data files with pyarrow
    (multi-threaded C++), timed after its import; the CPU of every thread counts."""
    paths = [str(root / "data" / name) for name in ("train.jsonl", "eval.jsonl")]
    proc = subprocess.run([sys.executable, "-c", FLOOR, *paths], capture_output=True, text=True, check=True)
    wall, cpu = proc.stdout.split()
    return float(wall), float(cpu)


def check(root: Path, keyword: str) -> tuple[float, float, str]:
    """Wall and CPU seconds of a cold check (CPU: the machine may be shared; wall counts the waiting)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ftspec", "check", "--no-cache", "-k", keyword],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, (proc.stdout + proc.stderr)[-600:]


def per_gate(root: Path, skip: str) -> dict[str, tuple[float, float]]:
    """Each data gate's wall and CPU seconds (forked workers included) in this process, in registry order (the
    first to read a file pays its summary)."""
    from ftspec.gates.registry import all_gates
    from ftspec.gates.runner import run_gate
    from ftspec.project import Project

    project, times = Project(root), {}
    for gate_id, gate in all_gates().items():
        if gate_id.startswith("data.") and gate_id != skip:
            started, cpu = time.perf_counter(), _cpu()
            run_gate(gate, project)
            times[gate_id] = (time.perf_counter() - started, _cpu() - cpu)
    return times


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def profile(root: Path) -> None:
    """cProfile of a fresh one-process summary pass over each data file (the per-gate run above cached them)."""
    import cProfile
    import pstats

    from ftspec.data import summary as pass_module
    from ftspec.gates.context import GateContext, merged_params
    from ftspec.gates.datasets import checks, present, token_counter
    from ftspec.gates.registry import all_gates
    from ftspec.project import Project

    project = Project(root)
    gate = all_gates()["data.pii"]
    ctx = GateContext(project, gate, merged_params(project, gate))
    settings, counter = checks(ctx), token_counter(ctx)
    pass_module._CACHE.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    for ds in present(ctx):
        pass_module.summarise(ds.path, ds.rel, ds.shape, counter, ds.max_length, None, settings, workers=1)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


Sample = tuple[float, float]  # wall, CPU seconds


def rounds(root: Path, small: Path, keyword: str, count: int) -> tuple[list[list[Sample]], str]:
    """Per round: the floor, the check, the check of the 25-record project; and the check's last output."""
    table, tail = [], ""
    for number in range(1, count + 1):
        base = floor(root)
        wall, cpu, tail = check(root, keyword)
        fixed_wall, fixed_cpu, _ = check(small, keyword)
        table.append([base, (wall, cpu), (fixed_wall, fixed_cpu)])
        print(f"  round {number}: floor {base[0]:.2f} s / {base[1]:.2f} CPU-s; check {wall:.2f} s / {cpu:.2f} "
              f"CPU-s; 25-record check {fixed_wall:.2f} s / {fixed_cpu:.2f} CPU-s")
    return table, tail


def medians(table: list[list[Sample]]) -> list[Sample]:
    return [(statistics.median(r[i][0] for r in table), statistics.median(r[i][1] for r in table))
            for i in range(len(table[0]))]


def report(table: list[list[Sample]], keyword: str) -> None:
    (base, base_cpu), (wall, cpu), (fixed, fixed_cpu) = medians(table)
    print(f"medians of {len(table)} rounds:")
    print(f"  floor (pyarrow read + parse, fresh process): {base:.2f} s wall, {base_cpu:.2f} CPU-s")
    print(f"  ftspec check --no-cache -k '{keyword}': {wall:.2f} s wall = {wall / base:.1f}x the floor; "
          f"{cpu:.2f} CPU-s = {cpu / base_cpu:.1f}x the floor's CPU")
    print(f"  of which before any data is read (the 25-record check): {fixed:.2f} s = {fixed / base:.1f}x; "
          f"{fixed_cpu:.2f} CPU-s = {fixed_cpu / base_cpu:.1f}x")
    print(f"  the data's own share (check - 25-record check): {wall - fixed:.2f} s = {(wall - fixed) / base:.1f}x; "
          f"{cpu - fixed_cpu:.2f} CPU-s = {(cpu - fixed_cpu) / base_cpu:.1f}x")
    own = max((wall - fixed) / base, (cpu - fixed_cpu) / base_cpu)
    whole = max(wall / base, cpu / base_cpu)
    print(f"  targets: <= 10 s on 2 cores {'met' if wall <= 10 else 'NOT met'}; <= 5x the floor (wall and CPU): "
          f"the data gates' own share {own:.1f}x {'met' if own <= 5 else 'NOT met'}, the whole cold check "
          f"(start-up included) {whole:.1f}x {'met' if whole <= 5 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=700)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip", default="", help="A data gate left out of the per-gate times.")
    parser.add_argument("-k", dest="keyword", default="data", help="Gates to time (a pytest -k expression).")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(dir=args.workdir))
    try:
        root, small = work / "project", work / "small"
        for where in (root, small):
            make_project(where)
        rows, size = write_corpus(root, args.transcripts)
        write_corpus(small, SMALL)
        print(
            f"corpus: {rows:,} train records ({len(SLICES)} prefix slices of {args.transcripts:,} transcripts of "
            f"{SLICES[-1]} exchanges), {size / 1e6:.1f} MB in all, cores: {os.cpu_count()}"
        )
        table, tail = rounds(root, small, args.keyword, max(1, args.rounds))
        print("  last check: " + (tail.strip().splitlines()[-1] if tail.strip() else "(no output)"))
        report(table, args.keyword)
        times = per_gate(root, args.skip)
        print(f"per gate, in process ({len(times)} data gates; wall s, CPU s):")
        for gate_id, (seconds, cpu_seconds) in times.items():
            print(f"  {gate_id:28} {seconds:6.2f} {cpu_seconds:6.2f}")
        wall_sum, cpu_sum = (sum(t[i] for t in times.values()) for i in (0, 1))
        print(f"  {'all of them':28} {wall_sum:6.2f} {cpu_sum:6.2f} (data.contamination "
              f"{'left out' if args.skip == 'data.contamination' else 'included'})")
        if args.profile:
            profile(root)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
