"""Benchmark: ftspec's contamination check against a plain pure-Python reference, same run, same data.

Generates a synthetic chat corpus (JSONL `messages`, train sets of 20, 200 and 800 MB by default, a 10 MB eval
set) with planted overlaps: train records carrying a 20-40 word passage copied from an eval record, and exact
copies of eval records. Every row must find exactly the planted training records. For each size it prints
1-process, 2-process and default rows (wall and CPU seconds, page faults); the pure-Python reference runs on
the smallest size for the speed ratio. Then ftspec's peak RSS for the largest and a quarter-size training set
(fresh subprocesses: memory follows the eval side, not the train side), and with --overlap-mb, a training set
whose every record overlaps the eval set (hits are streamed into a capped report: memory stays bounded).

    python benchmarks/contamination.py [--sizes 20,200,800] [--quick] [--overlap-mb 1000] [--workdir DIR]
                                       [--scan-faults]
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


def ftspec_scan(
    train: Path, eval_: Path, n: int, workers: int | None = None, lines: bool = True
) -> tuple[set[int], int, int]:
    """The flagged training lines (when asked for), their number and the number of (train, eval) pairs, as the
    gate checks them."""
    from ftspec.data.comparison import Comparison
    from ftspec.data.contamination import check, file_batches

    report = check(
        [(train, "train.jsonl")], file_batches(eval_, "eval.jsonl"), Comparison(ngram=n), workers, lines=lines
    )
    return {line for _, line in report.lines or ()}, report.records, report.hits


def warm_imports() -> None:
    import numpy  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.json  # noqa: F401

    import ftspec.data.contamination  # noqa: F401


def timed(func, *args):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process and its finished children)."""
    result, wall, cpu, _ = counted(func, *args)
    return result, wall, cpu


def counted(func, *args):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds, minor page faults) of this process and its finished children."""

    def usage() -> tuple[float, int]:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
        return cpu, own.ru_minflt + kids.ru_minflt

    started, (cpu_started, faults_started) = time.perf_counter(), usage()
    result = func(*args)
    cpu, faults = usage()
    return result, time.perf_counter() - started, cpu - cpu_started, faults - faults_started


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage: its ru_maxrss survives exec, so a child started by this
    big benchmark process would report the benchmark's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SCAN_RANGE = None
MAIN_PID = os.getpid()


def measured_scan_range(*args):  # type: ignore[no-untyped-def]
    """A forked worker's scan, then its peak RSS as a JSON line on stdout (the process that forked the workers
    scans the first range itself: its peak is the run's own). One write: workers finish at the same time."""
    result = SCAN_RANGE(*args)
    if os.getpid() != MAIN_PID:
        os.write(1, (json.dumps({"worker_peak_rss_mb": peak_rss_mb()}) + "\n").encode())
    return result


def child(train: Path, eval_: Path, n: int, workers: int) -> None:
    """Run ftspec alone and print its hit count and peak RSS (MB), and each worker's, as JSON lines."""
    import ftspec.data.contamination_parallel as engine

    global SCAN_RANGE
    SCAN_RANGE = engine._scan_range
    engine._scan_range = measured_scan_range  # the forked workers inherit the patched module
    (_, records, pairs), seconds, cpu = timed(ftspec_scan, train, eval_, n, workers or None, False)
    result = {"records": records, "pairs": pairs, "seconds": seconds, "cpu": cpu, "peak_rss_mb": peak_rss_mb()}
    print(json.dumps(result))


def measure_memory(train: Path, eval_: Path, n: int, workers: int) -> dict[str, float]:
    """Run the check in a fresh process (``workers`` 0: the default) and read its figures."""
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


def prefix_file(train: Path, megabytes: float, name: str) -> tuple[Path, int]:
    """The first ``megabytes`` of the train set (whole lines) as another file, and its last line number."""
    small = train.with_name(name)
    limit, lines = int(megabytes * 1e6), 0
    with train.open("rb") as src, small.open("wb") as dst:
        for line in src:
            if dst.tell() >= limit:
                break
            dst.write(line)
            lines += 1
    return small, lines


def write_overlapping(path: Path, megabytes: float, rng: random.Random, evals: list[list[dict[str, str]]]) -> int:
    """A train set whose every record quotes 20 words of an eval record (from a pool of generated records:
    fast to write at 1 GB); its number of lines."""
    words = [" ".join(m["content"] for m in conv).split() for conv in evals]
    vocab = make_vocab(rng)
    pool = [conversation(rng, vocab, 6) for _ in range(500)]
    size, lines, total = 0, 0, int(megabytes * 1e6)
    with path.open("w", encoding="utf-8") as out:
        while size < total:
            conv = [dict(m) for m in pool[lines % len(pool)]]
            source = words[rng.randrange(len(words))]
            start = rng.randrange(max(1, len(source) - 20))
            conv[1]["content"] += " " + " ".join(source[start : start + 20]) + f" line {lines}"
            line = json.dumps({"messages": conv}) + "\n"
            out.write(line)
            size += len(line)
            lines += 1
    return lines


def rows_for(train: Path, eval_: Path, n: int, lines: set[int], pairs: int) -> bool:
    """The 1-process, 2-process and default rows for one train file; whether each found the planted records."""
    from ftspec.data.ranges import workers_for

    mb = train.stat().st_size / 1e6
    auto = workers_for(train.stat().st_size)
    ok = True
    for name, workers in (("1 process", 1), ("2 processes", 2), (f"default ({auto})", None)):
        (found, _, hits), wall, cpu, faults = counted(ftspec_scan, train, eval_, n, workers)
        ok &= found == lines and hits == pairs
        print(
            f"  {mb:6.0f} MB {name:14s}: {wall:7.2f} s wall {cpu:7.2f} s CPU {mb / wall:6.1f} MB/s  "
            f"{faults / 1e3:7.0f}k page faults  {len(found)} records {hits} pairs"
        )
    return ok


def scan_faults(train: Path, eval_: Path, n: int) -> None:
    """The scan of a training file alone (the index built first, one process): the CPU seconds and minor page
    faults that reusing the per-batch buffers is about. Runs on older trees too (PYTHONPATH=<export>)."""
    from ftspec.data.comparison import Comparison
    from ftspec.data.contamination import ContaminationIndex, Report, file_batches, scan_into

    index = ContaminationIndex.from_batches(file_batches(eval_, "eval.jsonl"), comparison=Comparison(ngram=n))
    report = Report()
    _, wall, cpu, faults = counted(scan_into, index, train, "train.jsonl", report, 1)
    report.close()
    mb = train.stat().st_size / 1e6
    print(f"  {mb:6.0f} MB scan only     : {wall:7.2f} s wall {cpu:7.2f} s CPU {faults / 1e3:7.1f}k page faults  "
          f"{report.records} records")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,200,800", help="Train set sizes in MB, comma-separated.")
    parser.add_argument("--quick", action="store_true", help="20 MB train, 2 MB eval, 50 plants: a quick run.")
    parser.add_argument("--eval-mb", type=float, default=10)
    parser.add_argument("--overlap-mb", type=float, default=0, help="Also a train set overlapping everywhere.")
    parser.add_argument("--ngram", type=int, default=13)
    parser.add_argument("--plants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-reference", action="store_true", help="Skip the pure-Python reference.")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--scan-faults", action="store_true", help="Also the scan alone of the smallest size.")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.ngram, args.workers)
        return 0
    if args.quick:
        args.sizes, args.eval_mb, args.plants = "20", 2.0, 50
    sizes = sorted(float(x) for x in args.sizes.split(","))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ftspec-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    vocab = make_vocab(rng)
    train, eval_ = workdir / "train.jsonl", workdir / "eval.jsonl"
    evals = write_eval(eval_, args.eval_mb, rng, vocab)
    planted = write_train(train, sizes[-1], rng, vocab, evals, args.plants)
    print(
        f"corpus: train {train.stat().st_size / 1e6:.1f} MB, eval {eval_.stat().st_size / 1e6:.1f} MB, "
        f"{len(planted)} planted overlaps, n={args.ngram}, {len(os.sched_getaffinity(0))} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    _, t_import, _ = timed(warm_imports)
    print(f"ftspec's imports (numpy, pyarrow), paid once per process and not timed below: {t_import:.2f} s")
    ok = True
    for size in sizes:
        path, last = (train, 1 << 62) if size == sizes[-1] else prefix_file(train, size, f"train-{size:g}.jsonl")
        mine = {(t, e) for t, e in planted if t <= last}
        ok &= rows_for(path, eval_, args.ngram, {t for t, _ in mine}, len(mine))
        if size == sizes[0] and args.scan_faults:
            scan_faults(path, eval_, args.ngram)
        if size == sizes[0] and not args.no_reference:
            mb = path.stat().st_size / 1e6
            ref, t_ref, c_ref = timed(reference, path, eval_, args.ngram)
            _, wall, _ = timed(ftspec_scan, path, eval_, args.ngram, 1, False)
            ok &= ref == mine
            print(
                f"  {mb:6.0f} MB reference     : {t_ref:7.2f} s wall {c_ref:7.2f} s CPU {mb / t_ref:6.1f} MB/s  "
                f"speed ratio against 1 process: {t_ref / wall:.1f}x (target >= 20x)"
            )
    print(f"every row found exactly the planted overlaps: {ok}")
    small, _ = prefix_file(train, sizes[-1] / 4, "train-quarter.jsonl")
    for workers in (1, 2):
        full, part = (measure_memory(path, eval_, args.ngram, workers) for path in (train, small))
        sizes_ = [
            f"{m['peak_rss_mb']:.0f} MB (workers {m['worker_peak_rss_mb']:.0f} MB)" for m in (full, part)
        ]
        print(f"peak RSS, {workers} process(es): {sizes_[0]} on the full train set, {sizes_[1]} on a quarter")
    if args.overlap_mb:
        everywhere = workdir / "train-overlapping.jsonl"
        lines = write_overlapping(everywhere, args.overlap_mb, rng, evals)
        m = measure_memory(everywhere, eval_, args.ngram, 0)
        ok &= m["records"] == lines
        print(
            f"overlapping everywhere ({everywhere.stat().st_size / 1e6:.0f} MB, {lines} records, default "
            f"workers): {m['records']} records flagged, {m['pairs']} pairs, {m['seconds']:.1f} s wall, "
            f"{m['cpu']:.1f} s CPU; peak RSS {m['peak_rss_mb']:.0f} MB, each worker {m['worker_peak_rss_mb']:.0f} MB "
            f"(target < 500 MB)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
