"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding, with file and line."""

from __future__ import annotations

import os

from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repo_path(run: CheckRun, path: str) -> str:
    """A finding's path relative to the workspace GitHub resolves annotations against."""
    base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    full = os.path.join(run.root, path)
    rel = os.path.relpath(full, base)
    return (full if rel.startswith("..") else rel).replace(os.sep, "/")


def annotation(run: CheckRun, result: GateResult, finding: Finding) -> str:
    """`::error file=...,line=...,col=...,title=...::message`."""
    kind = "warning" if (finding.severity or "error") == "warning" else "error"
    props = [f"file={_escape_property(repo_path(run, finding.path))}"] if finding.path else []
    if finding.line:
        props.append(f"line={finding.line}")
        if finding.location.col:
            props.append(f"col={finding.location.col}")
    props.append(f"title={_escape_property('ftspec ' + result.id)}")
    message = finding.message.rstrip(".") + "." + (f" {finding.fix}" if finding.fix else "")
    if finding.location.keypath:
        message = f"{finding.location.keypath}: {message}"
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"


def render_github(run: CheckRun) -> str:
    """Annotations for every finding, then a one-line summary (plain text in the log)."""
    lines = [annotation(run, r, f) for r in run.results for f in r.findings]
    summary = run.summary()
    parts = [f"{summary[k]} {k}" for k in ("passed", "failed", "warned", "skipped") if summary[k]]
    lines.append(f"ftspec check: {run.project}: {', '.join(parts) or 'no gates'}")
    return "\n".join(lines)
