"""Read a large JSONL file in byte ranges, one range at a time per process, on every core this process may use
(the summary pass of the data gates and the contamination scan both do).

The ranges start at line starts; each is read by :class:`Window` and numbered from line 1, and the caller
renumbers them by the lines of the ranges before. Forked workers inherit the function and its settings instead
of having them pickled; only each range's result travels back. There are more ranges than processes, handed out
one at a time, so a process slowed by a busy core takes fewer of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Below this size a second process costs more than it saves (forking, and the merge of the results).
PARALLEL_BYTES = 32 << 20
WORKER_BYTES = 16 << 20
RANGES_PER_WORKER = 4
# The buffer of a file read line by line: with the default 8 KB, a 26 KB record takes several reads and joins
# (0.06 CPU-s per 90 MB, against 0.017 with 1 MB).
LINE_BUFFER = 1 << 20

RangeFunc = Callable[[int, int], Any]
_SHARED: tuple[RangeFunc, list[tuple[int, int]], Any] | None = None


class Window:
    """The lines of ``path[start:end]`` through ``readline`` (as a binary file gives them), counting them."""

    def __init__(self, handle: Any, start: int, end: int) -> None:
        handle.seek(start)
        self.handle, self.left, self.lines = handle, end - start, 0

    def readline(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        line: bytes = self.handle.readline(self.left if size < 0 else min(size, self.left))
        self.left -= len(line)
        self.lines += line.endswith(b"\n") or self.left <= 0 and bool(line)
        return line

    def __iter__(self) -> Window:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def workers_for(size: int) -> int:
    """One process per WORKER_BYTES of input, up to the CPUs this process may use; 1 below PARALLEL_BYTES.

    Not the load average: under load two processes still beat one (1.4x at 200 MB, 2.8x at 800 MB on a busy
    2-core machine), as the ranges are handed out one at a time and a slowed process just takes fewer.
    """
    import multiprocessing

    if size < PARALLEL_BYTES or "fork" not in multiprocessing.get_all_start_methods():  # Windows: one process
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, size // WORKER_BYTES))


def map_ranges(path: Path, func: RangeFunc, workers: int) -> list[Any]:
    """``func(start, end)`` for consecutive line-aligned ranges covering the file, in file order; with more
    than one worker, in this process and ``workers - 1`` forked ones."""
    import multiprocessing

    global _SHARED
    if workers <= 1:
        return [func(0, path.stat().st_size)]
    points = split_points(path, workers * RANGES_PER_WORKER)
    jobs = [(a, b) for a, b in zip(points, points[1:], strict=False) if b > a]
    context = multiprocessing.get_context("fork")
    _SHARED = (func, jobs, context.Value("i", 0))
    try:
        with context.Pool(workers - 1) as pool:
            others = [pool.apply_async(_take) for _ in range(workers - 1)]
            done = dict(_take())  # this process takes ranges too: one fork less, and no process waiting
            for other in others:
                done.update(other.get())
    finally:
        _SHARED = None
    return [done[i] for i in range(len(jobs))]


def split_points(path: Path, parts: int) -> list[int]:
    """Byte offsets that cut a file into about ``parts`` ranges at line starts (first 0, last the size); a
    long line is read past in 1 MB blocks, never held whole (a 200 MB record must not cost 200 MB here)."""
    size = path.stat().st_size
    points = [0]
    with path.open("rb") as handle:
        for k in range(1, parts):
            handle.seek(max(points[-1], size * k // parts))
            while (block := handle.read(1 << 20)) and b"\n" not in block:
                pass
            at = handle.tell() - len(block) + block.find(b"\n") + 1 if block else size
            if at > points[-1]:
                points.append(min(at, size))
    return [*points, size] if points[-1] < size else points


def _take() -> list[tuple[int, Any]]:
    """(range number, result) of each range this process took, until none is left."""
    assert _SHARED is not None
    func, jobs, taken = _SHARED
    results: list[tuple[int, Any]] = []
    while True:
        with taken.get_lock():
            number = taken.value
            taken.value += 1
        if number >= len(jobs):
            return results
        results.append((number, func(*jobs[number])))
