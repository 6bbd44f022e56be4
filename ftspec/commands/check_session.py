"""One check's pytest session, run where the project's code cannot end the check early or fake its outcome.

The session runs in a forked child (on platforms without fork, in this process). The child sends what happens
as JSON lines through a pipe: where it is (each file collected, each gate started) and, at the very end, its
report. The parent trusts nothing it did not receive: a child that exits without a report (``os._exit`` in a
gate, at import, in a conftest.py), stops sending for longer than a gate may run, or reports fewer results than
it selected makes the check fail with one line that says why. A gate that loops is stopped by an alarm in the
child after ``check.timeout`` seconds; a child that cannot be stopped that way is killed by the parent.

Every project runs in a fresh child, so two projects' gate modules of the same name never meet in one
``sys.modules``.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.errors import Location
from ftspec.paths import MANIFEST
from ftspec.results import Finding, GateResult

GRACE = 10.0  # seconds the parent waits beyond a gate's own time limit before it kills the child
Send = Callable[[dict[str, Any]], None]


@dataclass
class SessionReport:
    """What a pytest session reported: results by node id in run order, the node ids it selected, pytest's exit
    code and its captured output; ``ended`` says why it stopped early ("" when it reported completely)."""

    results: dict[str, GateResult] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    exit_code: int | None = None
    output: str = ""
    ended: str = ""
    last: str = ""  # the node id it was busy with when it last said where it was

    def to_message(self) -> dict[str, Any]:
        return {"results": [[k, _wire(r)] for k, r in self.results.items()], "selected": self.selected,
                "exit_code": self.exit_code, "output": self.output[-20_000:]}

    def complete(self, message: dict[str, Any]) -> None:
        self.results = {k: _unwire(r) for k, r in message["results"]}
        self.selected = [str(s) for s in message["selected"]]
        self.exit_code = int(message["exit_code"])
        self.output = str(message["output"])


def _wire(result: GateResult) -> dict[str, Any]:
    return {**result.to_dict(), "cached": result.cached, "duration": result.duration, "inputs": result.inputs}


def _unwire(data: dict[str, Any]) -> GateResult:
    result = GateResult.from_dict(data)
    result.cached, result.duration, result.inputs = bool(data["cached"]), float(data["duration"]), data["inputs"]
    return result


class ChildCrash(Exception):
    """ftspec's own code failed inside the child: a bug; the child's traceback is attached as a note."""


def run_session(session: Callable[[Send], SessionReport], timeout: float,
                confine: Callable[[], None] = lambda: None) -> SessionReport:
    """Run ``session`` in a forked child (in-process where fork is missing) and collect its report; ``confine``
    runs first in the child only (it cannot be undone, so never in this process)."""
    return start_session(session, timeout, confine)()


def start_session(session: Callable[[Send], SessionReport], timeout: float,
                  confine: Callable[[], None] = lambda: None) -> Callable[[], SessionReport]:
    """Fork the child that runs ``session`` now; the function returned waits for its report (call it once).
    Meanwhile this process can do other work (see :mod:`ftspec.direct`). Where fork is missing the session
    runs in this process before this returns. ``confine`` runs first in the child only."""
    if not hasattr(os, "fork"):
        report = session(lambda event: None)
        return lambda: report
    read_fd, write_fd = os.pipe()
    gc.freeze()  # the child's collections skip what it inherits: fewer copy-on-write pages to pay for
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its coverage is the parent's tests
        os.close(read_fd)
        _child(session, write_fd, confine)
    gc.unfreeze()
    os.close(write_fd)

    def finish() -> SessionReport:
        try:
            return _collect(pid, read_fd, timeout + GRACE)
        finally:
            os.close(read_fd)

    return finish


def _child(session: Callable[[Send], SessionReport], fd: int,
           confine: Callable[[], None]) -> None:  # pragma: no cover - runs in the child
    """Run the session, send its report, and leave without running anything the project registered."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing the project prints may reach the parent's report (JSON, SARIF)
    os.dup2(devnull, 2)

    def send(event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(fd, data):]

    code = 0
    try:
        confine()
        report = session(send)
        send({"report": report.to_message()})
    except BaseException:  # noqa: BLE001 - a bug in ftspec: the parent reports it as an internal error
        try:
            send({"crash": traceback.format_exc()})
        finally:
            code = 3
    os._exit(code)


def _collect(pid: int, fd: int, patience: float) -> SessionReport:
    """Read the child's events until its report, its end or its silence; always reaps the child."""
    report = SessionReport()
    buffer = b""
    deadline = time.monotonic() + patience
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                report.ended = f"stopped after {patience - GRACE:g} s without progress"
                os.kill(pid, signal.SIGKILL)
                return report
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                report.ended = report.ended or "the session's process ended before it reported"
                return report
            deadline = time.monotonic() + patience
            *lines, buffer = (buffer + chunk).split(b"\n")
            for line in lines:
                _track(report, _event(line))
            if report.exit_code is not None:
                return report  # complete: a process the project left holding the pipe cannot delay the check
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.waitpid(pid, 0)


def _event(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _track(report: SessionReport, event: dict[str, Any]) -> None:
    if "at" in event:
        report.last = str(event["at"])
    elif "report" in event:
        report.complete(event["report"])
    elif "crash" in event:
        crash = ChildCrash(str(event["crash"]).strip().splitlines()[-1])
        crash.add_note(str(event["crash"]))
        raise crash


def verify(report: SessionReport, expected: list[str], root: Path, exitfirst: bool) -> list[GateResult]:
    """The results of a session, plus one failed result for each way it falls short of a complete report:
    ended early, a selected gate with no result, a built-in gate ftspec expected that was not selected."""
    results = list(report.results.values())
    failed = any(r.outcome == "failed" for r in results)
    if report.exit_code is None:
        return results + [_incomplete(root, report.last, f"the check ended before it was complete: {report.ended}"
                                      " (a gate, conftest.py or module it imports exited the process or hung)")]
    if report.exit_code not in (0, 1, 5):
        results.append(_incomplete(root, report.last, f"pytest stopped with exit code {report.exit_code}: a "
                                   "conftest.py hook or plugin raised or interrupted the session (run `pytest` "
                                   "in the project to see the traceback)"))
    if exitfirst and failed:
        return results  # -x: the gates after the first failure were never meant to run
    missing = [n for n in report.selected if n not in report.results]
    for nodeid in missing[:1]:
        results.append(_incomplete(root, nodeid, f"{nodeid} was selected but reported no result (a conftest.py "
                                   f"hook or plugin stopped it); {len(missing)} without a result in all"))
    gate_ids = {r.id for r in results if r.phase != "project"}
    absent = [g for g in expected if g not in gate_ids]
    if absent:
        results.append(_incomplete(root, f"{MANIFEST}::{absent[0]}", f"built-in gate {absent[0]} did not run "
                                   f"({len(absent)} missing): a conftest.py or plugin deselected or replaced it. "
                                   "gates are configured in ftspec.yaml, not in pytest's configuration"))
    return results


def _incomplete(root: Path, nodeid: str, message: str) -> GateResult:
    """A failed result for an incomplete check, located at the project file it was busy with."""
    rel = nodeid.split("::")[0] if nodeid else MANIFEST
    if not rel or rel.startswith(("/", "..")) or not (root / rel).is_file():
        rel = MANIFEST
    return GateResult("ftspec.check", "failed", [Finding(Location(rel, 1, 1), message)],
                      description="the check itself is complete")
