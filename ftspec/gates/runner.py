"""Run one gate against a project: skips, severities and the outcome; used by the pytest items."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ftspec.blas import one_blas_thread
from ftspec.errors import Location, SpecError, SpecErrors, one_line, placed
from ftspec.extras import missing_extra
from ftspec.gates.context import GateContext, Unavailable, merged_params
from ftspec.gates.params import setting_problems
from ftspec.gates.registry import Gate
from ftspec.gates.sections import narrowed
from ftspec.paths import MANIFEST
from ftspec.project import Project
from ftspec.results import Finding, GateResult, Outcome, Severity


def run_gate(gate: Gate, project: Project) -> GateResult:
    """Evaluate a gate; a bug in a gate propagates (pytest reports it), a user error becomes a finding."""
    started = time.perf_counter()
    project.recording = {}
    with one_blas_thread():
        result = _evaluate(gate, project)
    named = {f.location.path for f in result.findings}
    result.inputs = narrowed(gate.id, project, dict(project.recording), named)
    result.duration = time.perf_counter() - started
    return result


def _evaluate(gate: Gate, project: Project) -> GateResult:
    result = GateResult(gate.id, "passed", description=gate.description, phase=gate.phase)
    settings = project.manifest.gates.get(gate.id, {})
    if "skip" in settings:
        result.outcome, result.reason = "skipped", f"skipped in ftspec.yaml: {settings['skip']}"
        return result
    if any(setting_problems(gate, settings)):  # .inf, ~ or .nan must never reach a gate's arithmetic
        result.outcome, result.reason = "skipped", f"gates.{gate.id} in ftspec.yaml is invalid (see manifest.schema)"
        return result
    severity: Severity = settings.get("severity", gate.severity)
    ctx = GateContext(project, gate, merged_params(project, gate))
    try:
        findings = list(gate.func(ctx))
    except Unavailable as exc:
        result.outcome, result.reason = "skipped", str(exc)
        return result
    except ModuleNotFoundError as exc:  # e.g. the data gates without numpy (a pre-commit hook's bare install)
        hint = missing_extra(exc)
        if hint is None:
            raise
        result.outcome, result.reason = "skipped", f"this gate {hint}"
        # No resolver knows this value, so the cache never replays the skip: once the extra is installed, the
        # gate runs (ftspec/cache.py: an input it cannot resolve is stale).
        project.track_value(f"missing-module:{exc.name}", "missing")
        return result
    except SpecErrors as exc:
        findings = [Finding.from_error(e) for e in exc.errors]
    except SpecError as exc:
        findings = [Finding.from_error(exc)]
    except OSError as exc:  # a file the gate reads is unreadable (permissions, vanished): the file's problem
        where = _project_path(project, exc.filename)
        findings = [Finding(Location(where, 1, 1), f"cannot be read: {exc.strerror or type(exc).__name__}",
                            "fix the file's permissions, or restore it")]
    result.findings = [_with_severity(_placed(f), severity) for f in findings]
    result.outcome = _outcome(result.findings)
    return result


def _project_path(project: Project, filename: object) -> str:
    """The project-relative name of a file an OSError names (the manifest when it names none inside)."""
    if not isinstance(filename, str | bytes | os.PathLike):
        return MANIFEST
    path = Path(os.fsdecode(filename))
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        return path.resolve().relative_to(project.root).as_posix()
    except (ValueError, OSError, RuntimeError):
        return MANIFEST


def _placed(finding: Finding) -> Finding:
    """Every finding names file:line:col on one line, however the gate located it."""
    return Finding(placed(finding.location), one_line(finding.message) or "failed", one_line(finding.fix),
                   finding.severity)


def _with_severity(finding: Finding, default: Severity) -> Finding:
    if finding.severity is not None and default == "error":
        return finding
    return Finding(finding.location, finding.message, finding.fix, default if finding.severity is None else "warning")


def _outcome(findings: list[Finding]) -> Outcome:
    if any(f.severity == "error" for f in findings):
        return "failed"
    return "warned" if findings else "passed"
