"""Built-in gates without a pytest session, when no project gate needs rerunning.

After an edit that none of the project's own gates read (their recorded inputs are unchanged), the only results
to recompute are those of built-in gates, which are plain functions: starting pytest (importing it, configuring
a session, collecting) would cost more than running them. :func:`run_direct` runs exactly the gates whose
cached results are stale, in the order the last check ran them, and gives the results and exit code the pytest
path gives. Whenever that equivalence cannot be vouched for (pytest plugins or conftest files that could change
how items run, -x, JUnit XML, extra pytest arguments, a gate that raises) it returns None and pytest runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ftspec.cache import ResultCache
from ftspec.report.model import CheckRun
from ftspec.results import GateResult

if TYPE_CHECKING:
    from ftspec.commands.check import CheckOptions, ManifestHints


def run_direct(root: Path, hints: ManifestHints, options: CheckOptions, signature: str,
               cache: ResultCache | None) -> CheckRun | None:
    """The check run with stale built-in gates rerun in-process, or None when pytest must run."""
    if cache is None or not _direct_ok(root, hints, options):
        return None
    plan = cache.plan(signature)
    if plan is None:
        return None
    results = _complete(root, cache, plan)
    if results is None:
        return None
    cache.save()
    return CheckRun(hints.project, str(root), results, 1 if any(r.outcome == "failed" for r in results) else 0)


def _direct_ok(root: Path, hints: ManifestHints, options: CheckOptions) -> bool:
    """No option or file that lets pytest run the items differently from a plain call."""
    if options.exitfirst or options.junitxml or options.extra_args or hints.plugins:
        return False  # -x stops at the first failure: which items run depends on the results
    gates_dir = root / hints.gates_dir
    conftests = [root / "conftest.py", *(gates_dir.rglob("conftest.py") if gates_dir.is_dir() else [])]
    return not any(path.is_file() for path in conftests)


Plan = list[tuple[str, str, "GateResult | None"]]


def _complete(root: Path, cache: ResultCache, plan: Plan) -> list[GateResult] | None:
    """Every result of the plan, running the stale built-in gates (one Project for all, as a session has)."""
    from ftspec.gates.registry import load_gate
    from ftspec.gates.runner import run_gate
    from ftspec.gates.table import gate_rows
    from ftspec.project import Project

    modules = {row["id"]: row["module"] for row in gate_rows()}
    project: Project | None = None
    results = []
    for _nodeid, gate_id, cached in plan:
        if cached is None:
            project = project or Project(root)
            try:
                result = run_gate(load_gate(gate_id, modules.get(gate_id)), project)
            except Exception:  # noqa: BLE001 - a gate bug: pytest reports it as the failure of its item
                return None
            cache.store(result)
            cached = result
        results.append(cached)
    return results
