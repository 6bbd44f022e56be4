"""A time limit on a stretch of code: an alarm raises in it (gates run in the main thread of their process)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def time_limit(limit: float, error: Callable[[], BaseException]) -> Iterator[None]:
    """Raise ``error()`` inside the block once it has run ``limit`` seconds; no limit when ``limit`` <= 0, on a
    platform without interval timers, or outside the main thread."""
    if limit <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise error()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
