"""Benchmark: ftspec's contamination scan against a plain pure-Python reference, same run, same data.

Generates a synthetic chat corpus (JSONL `messages`, default 200 MB train / 10 MB eval) with planted overlaps:
train records carrying a 20-40 word passage copied from an eval record, and exact copies of eval records. Both
implementations must find exactly the planted (train line, eval line) pairs. Prints the speed ratio, each
side's MB/s of training data, and ftspec's peak RSS for the full and a quarter-size training set (run in fresh
subprocesses) to show that memory follows the eval side, not the train side.

    python benchmarks/contamination.py [--train-mb 200] [--eval-mb 10] [--ngram 13] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCAB_SIZE = 50_000


def make_vocab(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(VOCAB_SIZE * 2)}
    return sorted(words)[:VOCAB_SIZE]


def paragraph(rng: random.Random, vocab: list[str], count: int) -> str:
    words = rng.choices(vocab, k=count)
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", "!", "?", "..."])


def conversation(rng: random.Random, vocab: list[str], turns: int) -> list[dict[str, str]]:
    return [
        {
            "role": "user" if t % 2 == 0 else "assistant",
            "content": "\n\n".join(
                paragraph(rng, vocab, rng.randint(15, 60)) for _ in range(rng.randint(1, 3))
            ),
        }
        for t in range(turns)
    ]


def write_eval(
    path: Path, megabytes: float, rng: random.Random, vocab: list[str]
) -> list[list[dict[str, str]]]:
    convs, size = [], 0
    with path.open("w", encoding="utf-8") as out:
        while size < megabytes * 1e6:
            conv = conversation(rng, vocab, 4)
            line = json.dumps({"messages": conv, "metadata": {"source_id": f"eval-{len(convs)}"}}) + "\n"
            out.write(line)
            size += len(line)
            convs.append(conv)
    return convs


def write_train(
    path: Path,
    megabytes: float,
    rng: random.Random,
    vocab: list[str],
    evals: list[list[dict[str, str]]],
    plants: int,
) -> set[tuple[int, int]]:
    """Write the train set; return the planted (train line, eval line) pairs."""
    planted: set[tuple[int, int]] = set()
    total = int(megabytes * 1e6)
    plant_at = set(rng.sample(range(1, max(plants * 4, int(total / 4000))), plants))  # ~4 kB per line
    size, line_no = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < total:
            line_no += 1
            conv = conversation(rng, vocab, 6)
            if line_no in plant_at:
                target = rng.randrange(len(evals))
                planted.add((line_no, target + 1))
                if line_no % 5 == 0:
                    conv = evals[target]  # an exact copy
                else:
                    words = " ".join(m["content"] for m in evals[target]).split()
                    start = rng.randrange(max(1, len(words) - 40))
                    passage = " ".join(words[start : start + rng.randint(20, 40)])
                    conv[1]["content"] += "\n" + passage.upper()  # case differs: normalisation must fold it
            line = json.dumps({"messages": conv, "metadata": {"source_id": f"t-{line_no}"}}) + "\n"
            out.write(line)
            size += len(line)
    return planted


def reference(train: Path, eval_: Path, n: int) -> set[tuple[int, int]]:
    """The straightforward way: a dict of n-gram tuples of the eval set, every train n-gram looked up."""
    import re

    word = re.compile(r"[^\W_]+")

    def texts(path: Path):
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                row = json.loads(raw)
                yield number, "\n".join(m["content"] for m in row["messages"])

    grams: dict[tuple[str, ...], set[int]] = {}
    exact: dict[str, set[int]] = {}
    for number, text in texts(eval_):
        words = word.findall(text.lower())
        exact.setdefault(" ".join(words), set()).add(number)
        for i in range(len(words) - n + 1):
            grams.setdefault(tuple(words[i : i + n]), set()).add(number)
    found: set[tuple[int, int]] = set()
    for number, text in texts(train):
        words = word.findall(text.lower())
        found.update((number, other) for other in exact.get(" ".join(words), ()))
        for i in range(len(words) - n + 1):
            for other in grams.get(tuple(words[i : i + n]), ()):
                found.add((number, other))
    return found


def ftspec_scan(train: Path, eval_: Path, n: int, workers: int | None = None) -> set[tuple[int, int]]:
    from ftspec.data.contamination import ContaminationIndex, file_batches, scan_file

    index = ContaminationIndex.from_batches(file_batches(eval_, "eval.jsonl"), n=n)
    return {(hit.train.line, hit.other.line) for hit in scan_file(index, train, "train.jsonl", workers)}


def warm_imports() -> None:
    import numpy  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.json  # noqa: F401

    import ftspec.data.contamination  # noqa: F401


def timed(func, *args):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process and its finished children)."""

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    result = func(*args)
    return result, time.perf_counter() - started, cpu() - cpu_started


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage: its ru_maxrss survives exec, so a child started by this
    big benchmark process would report the benchmark's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SCAN_RANGE = None
MAIN_PID = os.getpid()


def measured_scan_range(job):  # type: ignore[no-untyped-def]
    """A forked worker's scan, then its peak RSS as a JSON line on stdout (the process that forked the workers
    scans the first range itself: its peak is the run's own). One write: workers finish at the same time."""
    result = SCAN_RANGE(job)
    if os.getpid() != MAIN_PID:
        os.write(1, (json.dumps({"worker_peak_rss_mb": peak_rss_mb()}) + "\n").encode())
    return result


def child(train: Path, eval_: Path, n: int, workers: int) -> None:
    """Run ftspec alone and print its hit count and peak RSS (MB), and each worker's, as JSON lines."""
    import ftspec.data.contamination as engine

    global SCAN_RANGE
    SCAN_RANGE = engine._scan_range
    engine._scan_range = measured_scan_range  # the pool pickles it by name: __main__ in the forked workers
    hits, seconds, _ = timed(ftspec_scan, train, eval_, n, workers)
    print(json.dumps({"hits": len(hits), "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def measure_memory(train: Path, eval_: Path, n: int, workers: int) -> dict[str, float]:
    lines = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(train),
            str(eval_),
            "--ngram",
            str(n),
            "--workers",
            str(workers),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    rows = [json.loads(line) for line in lines if line.startswith("{")]
    result = rows[-1]
    result["worker_peak_rss_mb"] = max([r["worker_peak_rss_mb"] for r in rows[:-1]], default=0.0)
    return dict(result)


def quarter(train: Path) -> Path:
    small = train.with_name("train-quarter.jsonl")
    limit = train.stat().st_size // 4
    with train.open("rb") as src, small.open("wb") as dst:
        for line in src:
            if dst.tell() >= limit:
                break
            dst.write(line)
    return small


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-mb", type=float, default=200)
    parser.add_argument("--eval-mb", type=float, default=10)
    parser.add_argument("--ngram", type=int, default=13)
    parser.add_argument("--plants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.ngram, args.workers)
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ftspec-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    vocab = make_vocab(rng)
    train, eval_ = workdir / "train.jsonl", workdir / "eval.jsonl"
    evals = write_eval(eval_, args.eval_mb, rng, vocab)
    planted = write_train(train, args.train_mb, rng, vocab, evals, args.plants)
    mb = train.stat().st_size / 1e6
    print(
        f"corpus: train {mb:.1f} MB, eval {eval_.stat().st_size / 1e6:.1f} MB, "
        f"{len(planted)} planted overlaps, "
        f"n={args.ngram}"
    )
    _, t_import, _ = timed(warm_imports)
    print(f"ftspec's imports (numpy, pyarrow), paid once per process and not timed below: {t_import:.2f} s")
    from ftspec.data.contamination import default_workers

    auto = default_workers()
    runs = {
        "ftspec (1 process)": 1,
        "ftspec (2 processes)": 2,
        f"ftspec (default: {auto} for the load now)": None,
    }
    results = {name: timed(ftspec_scan, train, eval_, args.ngram, workers) for name, workers in runs.items()}
    ref, t_ref, c_ref = timed(reference, train, eval_, args.ngram)
    print(
        f"{'reference (pure Python n-gram tuples)':40s}: {t_ref:7.2f} s wall {mb / t_ref:7.1f} MB/s  "
        f"{c_ref:7.2f} s CPU  {len(ref)} hits"
    )
    for name, (hits, wall, cpu) in results.items():
        print(
            f"{name:40s}: {wall:7.2f} s wall {mb / wall:7.1f} MB/s  {cpu:7.2f} s CPU  {len(hits)} hits  "
            f"ratio {t_ref / wall:5.1f}x"
        )
    best = min(wall for _, wall, _ in results.values())
    single_cpu = results["ftspec (1 process)"][2]
    print(
        f"speed ratio (wall, best run): {t_ref / best:.1f}x (target >= 20x); "
        f"CPU-time ratio, 1 process: {c_ref / single_cpu:.1f}x; load average now {os.getloadavg()[0]:.1f}"
    )
    ok = ref == planted and all(hits == planted for hits, _, _ in results.values())
    print(f"both found exactly the planted overlaps: {ok}")
    small = quarter(train)
    for workers in (1, 2):
        full, part = (measure_memory(path, eval_, args.ngram, workers) for path in (train, small))
        sizes = [
            f"{m['peak_rss_mb']:.0f} MB (workers {m['worker_peak_rss_mb']:.0f} MB)" for m in (full, part)
        ]
        print(f"peak RSS, {workers} process(es): {sizes[0]} on the full train set, {sizes[1]} on a quarter")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
