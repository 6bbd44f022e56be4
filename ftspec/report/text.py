"""Text and JSON reporters."""

from __future__ import annotations

import json

from ftspec.report.model import CheckRun

LABELS = {"passed": "PASS", "failed": "FAIL", "warned": "WARN", "skipped": "SKIP"}


def render_text(run: CheckRun) -> str:
    """One line per gate; each failing or warning gate followed by all its findings."""
    lines = [f"ftspec check: {run.project} ({run.root})"]
    for result in run.results:
        line = f"{LABELS[result.outcome]}  {result.id}"
        if result.outcome == "skipped" and result.reason:
            line += f"  ({result.reason})"
        elif result.outcome in ("failed", "warned") and result.description:
            line += f"  {result.description}"
        lines.append(line)
        lines.extend(f"      {f.render()}" for f in result.findings)
    summary = run.summary()
    parts = [f"{summary[k]} {k}" for k in ("passed", "failed", "warned", "skipped") if summary[k]]
    if not parts:  # pytest exits 5: nothing was selected
        lines.append("no gates ran: the selection (-k) matched none. `ftspec gates` lists the gate ids")
    else:
        cached = sum(r.cached for r in run.results)
        note = f" ({cached} unchanged since the last check, not run again)" if cached else ""
        lines.append(f"{', '.join(parts)} in {run.duration:.2f}s{note}")
    return "\n".join(lines)


def render_json(run: CheckRun) -> str:
    """`{"gates": [...], "summary": {...}}`."""
    payload = {"project": run.project, "gates": [r.to_json() for r in run.results], "summary": run.summary()}
    return json.dumps(payload, indent=2)
