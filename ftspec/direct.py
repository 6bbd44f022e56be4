"""Built-in gates without a pytest session, and project gates in a child process of their own.

After an edit, the results to recompute are those whose recorded inputs changed. Built-in gates are plain
functions: starting pytest (configuring a session, collecting, running an item per gate) would cost more than
running them, so :func:`run_direct` runs exactly the stale ones, in the order the last check ran them. The
project's own gates whose inputs changed (what each one read was recorded when it last ran, see
:mod:`ftspec.reads`) rerun by the caller, in a child process while this one runs the built-in gates: those that
are plain functions and pass are called without pytest (:mod:`ftspec.plain_gates`), the rest in a pytest session
of just those node ids; the others keep their recorded results. The results
and exit code are those the full pytest path gives. Whenever that
equivalence cannot be vouched for (pytest plugins or conftest files that could change how items run, -x, JUnit
XML, extra pytest arguments, a built-in gate that raises, a project gate session that did not end normally with
a result for every node id it was given) it returns None and the whole check runs through pytest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ftspec.cache import ResultCache
from ftspec.report.model import CheckRun
from ftspec.results import GateResult

if TYPE_CHECKING:
    from ftspec.commands.check import CheckOptions, ManifestHints
    from ftspec.project import Project

INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED


@dataclass(frozen=True)
class ProjectRun:
    """What a session of some project gates reported: results by node id (every one it was given, unless it was
    interrupted)."""

    results: dict[str, GateResult]
    interrupted: bool = False


# Starts the session of these project node ids (on this Project, already read); what it returns waits for the
# session's outcome.
Rerun = Callable[[list[str], "Project"], Callable[[], "ProjectRun | None"]]


def run_direct(root: Path, hints: ManifestHints, options: CheckOptions, signature: str,
               cache: ResultCache | None, rerun: Rerun | None = None) -> CheckRun | None:
    """The check run with stale built-in gates rerun in-process and stale project gates by ``rerun``, or None
    when the whole check must run through pytest."""
    if cache is None or not _direct_ok(root, hints, options):
        return None
    plan = cache.plan(signature)
    if plan is None:
        return None
    stale = [nodeid for nodeid, gate_id, cached in plan if cached is None and not gate_id]
    if stale and rerun is None:
        return None
    project = _read_project(cache)
    pending = rerun(stale, project) if rerun is not None and stale else None  # in a child, beside the gates here
    done = _complete(project, cache, plan)
    session = pending() if pending is not None else None
    if done is None or (pending is not None and session is None):
        return None
    if session is not None:
        cache.adopt_projects()  # the results the session stored, beside the built-in gates' stored here
    cache.save()
    return _run(root, hints, done, session)


def _read_project(cache: ResultCache) -> Project:
    """The project with its manifest read and validated: what every gate needs first, done once before a
    session forks so that the session and the built-in gates share it (one Project for all, as a session has).
    It is the cache's, which its freshness checks may have read already."""
    project = cache.project()
    project.manifest_loaded()
    return project


def _run(root: Path, hints: ManifestHints, done: list[tuple[str, GateResult | None]],
         project: ProjectRun | None) -> CheckRun:
    """The results in the last run's order, the reran project gates' in their places."""
    fresh = project.results if project is not None else {}
    results = [result if result is not None else fresh[nodeid] for nodeid, result in done
               if result is not None or nodeid in fresh]
    code = INTERRUPTED if project is not None and project.interrupted else _exit_code(results)
    return CheckRun(hints.project, str(root), results, code)


def _exit_code(results: list[GateResult]) -> int:
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _direct_ok(root: Path, hints: ManifestHints, options: CheckOptions) -> bool:
    """No option or file that lets pytest run the items differently from a plain call."""
    if options.exitfirst or options.junitxml or options.extra_args or hints.plugins:
        return False  # -x stops at the first failure: which items run depends on the results
    gates_dir = root / hints.gates_dir
    conftests = [root / "conftest.py", *(gates_dir.rglob("conftest.py") if gates_dir.is_dir() else [])]
    return not any(path.is_file() for path in conftests)


Plan = list[tuple[str, str, "GateResult | None"]]


def _complete(project: Project, cache: ResultCache, plan: Plan) -> list[tuple[str, GateResult | None]] | None:
    """(node id, result) for every item of the plan, running the stale built-in gates; a stale project gate's
    result stays None."""
    from ftspec.gates.registry import load_gate
    from ftspec.gates.runner import run_gate
    from ftspec.gates.table import gate_rows

    modules = {row["id"]: row["module"] for row in gate_rows()}
    results: list[tuple[str, GateResult | None]] = []
    for nodeid, gate_id, cached in plan:
        if cached is None and gate_id:
            try:
                cached = run_gate(load_gate(gate_id, modules.get(gate_id)), project)
            except Exception:  # noqa: BLE001 - a gate bug: pytest reports it as the failure of its item
                return None
            cache.store(cached)
        results.append((nodeid, cached))
    return results
