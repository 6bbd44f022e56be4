"""Reporters: each renders a CheckRun; a dict of them keyed by --format name."""

from __future__ import annotations

from collections.abc import Callable

from ftspec.report.github import render_github
from ftspec.report.model import CheckRun
from ftspec.report.sarif import render_sarif
from ftspec.report.text import render_json, render_text

Reporter = Callable[[CheckRun], str]

REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
}
