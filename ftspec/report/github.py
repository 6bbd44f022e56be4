"""GitHub Actions workflow commands: an `::error`/`::warning` annotation per finding, with file and line.

GitHub shows at most 10 error and 10 warning annotations per step (and 50 per job) and drops the rest
silently, so the reporter emits the first 10 of each, says how many it left out, and writes every finding to
the job summary ($GITHUB_STEP_SUMMARY) when the step has one."""

from __future__ import annotations

import os
from collections import Counter

from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult

MAX_PER_KIND = 10  # GitHub: 10 error and 10 warning annotations per step
MAX_SUMMARY_ROWS = 1000  # a step's summary holds at most 1 MiB; a row is a few hundred bytes


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
    kind = _kind(finding)
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


def _kind(finding: Finding) -> str:
    return "warning" if (finding.severity or "error") == "warning" else "error"


def render_github(run: CheckRun) -> str:
    """Up to 10 error and 10 warning annotations, a line for those left out, then a one-line summary; the full
    list goes to the job summary."""
    shown: Counter[str] = Counter()
    left: Counter[str] = Counter()
    lines = []
    for result in run.results:
        for finding in result.findings:
            kind = _kind(finding)
            if shown[kind] < MAX_PER_KIND:
                shown[kind] += 1
                lines.append(annotation(run, result, finding))
            else:
                left[kind] += 1
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if left:
        where = "the job summary" if summary_file else "`ftspec check` (text format)"
        lines.append(f"ftspec: {_count(left)} not annotated (GitHub shows at most {MAX_PER_KIND} errors and "
                     f"{MAX_PER_KIND} warnings per step); every finding is listed in {where}")
    summary = run.summary()
    parts = [f"{summary[k]} {k}" for k in ("passed", "failed", "warned", "skipped") if summary[k]]
    lines.append(f"ftspec check: {run.project}: {', '.join(parts) or 'no gates'}")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(step_summary(run))
    return "\n".join(lines)


def _count(counts: Counter[str]) -> str:
    return " and ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(counts.items()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(run: CheckRun) -> str:
    """Markdown for the job summary: the counts and a table of every finding."""
    summary = run.summary()
    parts = [f"{summary[k]} {k}" for k in ("passed", "failed", "warned", "skipped") if summary[k]]
    out = [f"## ftspec check: {run.project}", "", ", ".join(parts) or "no gates ran", ""]
    rows = [(r, f) for r in run.results for f in r.findings]
    more = len(rows) - MAX_SUMMARY_ROWS
    rows = rows[:MAX_SUMMARY_ROWS]
    if rows:
        out += ["| level | gate | where | finding |", "|---|---|---|---|"]
        out += [f"| {_kind(f)} | `{r.id}` | `{_cell(f.location.prefix())}` | "
                f"{_cell(f.message.rstrip('.') + '.' + (' ' + f.fix if f.fix else ''))} |" for r, f in rows]
    if more > 0:
        out += ["", f"{more} more findings: run `ftspec check` for all of them."]
    return "\n".join(out) + "\n\n"
