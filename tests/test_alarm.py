"""ftspec.alarm: a time limit that raises inside the block, and none where it cannot or should not."""

from __future__ import annotations

import threading
import time

import pytest

from ftspec.alarm import time_limit


def test_the_error_is_raised_inside_the_block_after_the_limit() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="too slow"), time_limit(0.1, lambda: TimeoutError("too slow")):
        time.sleep(5)
    assert time.monotonic() - started < 2


def test_no_limit_when_it_is_zero_or_outside_the_main_thread() -> None:
    with time_limit(0, lambda: TimeoutError("never")):
        time.sleep(0.05)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with time_limit(0.01, lambda: TimeoutError("never")):
                time.sleep(0.1)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []


def test_a_block_that_ends_in_time_leaves_no_alarm_behind() -> None:
    with time_limit(0.2, lambda: TimeoutError("late")):
        pass
    time.sleep(0.3)  # an alarm left armed would raise here
