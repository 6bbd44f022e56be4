"""Text and JSON reporters."""

from __future__ import annotations

import json
import os
import sys
from typing import TextIO

from ftspec.report.model import JSON_SCHEMA_VERSION, CheckRun

LABELS = {"passed": "PASS", "failed": "FAIL", "warned": "WARN", "skipped": "SKIP"}
# ANSI SGR codes per outcome: green, bold red, yellow, dim.
COLORS = {"passed": "32", "failed": "1;31", "warned": "33", "skipped": "2"}


def use_color(stream: TextIO | None = None) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything non-empty (https://no-color.org)."""
    stream = stream if stream is not None else sys.stdout
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb" and stream.isatty()


def _label(run: CheckRun, outcome: str) -> str:
    label = LABELS[outcome]
    return f"\033[{COLORS[outcome]}m{label}\033[0m" if run.color else label


def render_text(run: CheckRun) -> str:
    """One line per gate; each failing or warning gate followed by all its findings. -q keeps the failing and
    warning gates and the summary; -v adds each gate's description and time."""
    lines = [] if run.verbosity < 0 else [f"ftspec check: {run.project} ({run.root})"]
    for result in run.results:
        if run.verbosity < 0 and result.outcome in ("passed", "skipped"):
            continue
        line = f"{_label(run, result.outcome)}  {result.id}"
        if result.outcome == "skipped" and result.reason:
            line += f"  ({result.reason})"
        elif (result.outcome in ("failed", "warned") or run.verbosity > 0) and result.description:
            line += f"  {result.description}"
        if run.verbosity > 0:
            line += "  [cached]" if result.cached else f"  [{result.duration:.3f}s]"
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
    """`{"schema_version": 1, "project": ..., "gates": [...], "summary": {...}}`."""
    payload = {"schema_version": JSON_SCHEMA_VERSION, "project": run.project,
               "gates": [r.to_json() for r in run.results], "summary": run.summary()}
    return json.dumps(payload, indent=2)
