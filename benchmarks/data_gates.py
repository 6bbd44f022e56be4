"""Benchmark: every data gate on a corpus of the real shape, against the floor of reading and parsing it.

Builds, in a temporary project, a training set shaped like a real sliced fine-tuning corpus (default 600
transcripts of 40 exchanges, each sliced at 20, 25, 30, 35 and 40 exchanges: 3,000 records, ~95 MB, one
shared system prompt, every record a prefix of its transcript) and a small eval set. In the same run it times
(1) the floor: reading and JSON-parsing both files with pyarrow.json, and (2) a cold `ftspec check --no-cache
-k data` (all eleven data gates, data.contamination included, as a user runs them), and prints the ratio
with each gate's wall and CPU time.
Targets (issue 11): every data gate together <= 10 s on 2 cores and <= 5x the floor.

    PYTHONPATH=. python benchmarks/data_gates.py [--transcripts 600] [--workdir DIR] [--profile]

--profile also runs the one-pass summary afresh, in one process, under cProfile and prints its top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLICES = (20, 25, 30, 35, 40)
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


def floor(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds to read and JSON-parse both data files with pyarrow (multi-threaded C++)."""
    import pyarrow.json as pj

    started, cpu = time.perf_counter(), time.process_time()
    for name in ("train.jsonl", "eval.jsonl"):
        pj.read_json(root / "data" / name)
    return time.perf_counter() - started, time.process_time() - cpu


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=700)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip", default="", help="A data gate left out of the per-gate times.")
    parser.add_argument("-k", dest="keyword", default="data", help="Gates to time (a pytest -k expression).")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(dir=args.workdir))
    try:
        root = work / "project"
        make_project(root)
        rows, size = write_corpus(root, args.transcripts)
        print(
            f"corpus: {rows:,} train records ({len(SLICES)} prefix slices of {args.transcripts:,} transcripts of "
            f"{SLICES[-1]} exchanges), {size / 1e6:.1f} MB in all, cores: {os.cpu_count()}"
        )
        base, base_cpu = floor(root)
        print(f"floor (pyarrow read + parse): {base:.2f} s wall, {base_cpu:.2f} CPU-s")
        elapsed, cpu, tail = check(root, args.keyword)
        print(f"ftspec check --no-cache -k '{args.keyword}': {elapsed:.2f} s wall = {elapsed / base:.1f}x the floor; "
              f"{cpu:.2f} CPU-s = {cpu / base_cpu:.1f}x the floor's CPU")
        print("  " + tail.strip().splitlines()[-1] if tail.strip() else "  (no output)")
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
