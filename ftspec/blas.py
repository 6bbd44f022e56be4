"""OpenBLAS with one thread for code that uses numpy without BLAS (hashes, counts, offsets)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

# Any of these set by the user decides OpenBLAS's threads (the first that is set wins).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Code that imports numpy first (a data gate, `ftspec contamination`) loads its OpenBLAS with one thread.

    OpenBLAS starts a thread per core as it loads, and each spins ~0.1 s waiting for work; no gate calls BLAS
    (the data gates' arrays are hashes, counts and offsets), so on 2 cores that spin was ~0.05 s wall and
    ~0.09 CPU-s of every check of a project with data (~0.1 of `ftspec contamination`), and each further core
    adds a spinning thread. Only the environment of the block changes (the variable is gone once it ends, a
    user's setting is kept); numpy keeps its one thread for the rest of the process, so a project gate that
    first uses numpy after a data gate gets single-threaded BLAS (one that imports it at module level, when
    pytest collects it, is not affected).
    """
    if "numpy" in sys.modules or any(name in os.environ for name in BLAS_THREADS):
        yield
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
