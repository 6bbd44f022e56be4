"""`ftspec decisions`: the decisions from history (commit trailers) joined with the decision log."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ftspec import git
from ftspec.decisions import TRAILER_ID, TRAILER_SUPERSEDES, LogEntry, parse_log, split_ids, trailer_values
from ftspec.project import Project, find_root
from ftspec.report.model import JSON_SCHEMA_VERSION


@dataclass
class DecisionRow:
    """One decision as `ftspec decisions` lists it."""

    id: str
    title: str
    choice: str
    step: str
    commit: str
    author: str
    date: str
    superseded_by: str
    logged: bool


def collect(root: Path, rev: str = "HEAD") -> list[DecisionRow]:
    """Decisions in log order, then any that only history knows, each with its commit and supersession."""
    project = Project(root)
    log_path = project.root / project.manifest.paths.decision_log
    entries = parse_log(log_path.read_text(encoding="utf-8")) if log_path.is_file() else []
    tree = git.work_tree(root) if git.repo_root(root) else None
    history = git.commits(tree) if tree is not None else []
    made: dict[str, git.CommitInfo] = {}
    superseded: dict[str, str] = {}
    for info in reversed(history):  # oldest first: the first commit carrying an id made it
        for value in trailer_values(list(info.trailers), TRAILER_ID):
            made.setdefault(value.upper(), info)
            for old in split_ids(", ".join(trailer_values(list(info.trailers), TRAILER_SUPERSEDES))):
                superseded.setdefault(old, value.upper())
    for entry in entries:
        for old in entry.supersedes:
            superseded.setdefault(old, entry.key)
    rows = [_row(e.key, e, made.get(e.key), superseded) for e in entries]
    logged = {e.key for e in entries}
    rows += [_row(key, None, info, superseded) for key, info in made.items() if key not in logged]
    return rows


def _row(
    key: str, entry: LogEntry | None, info: git.CommitInfo | None, superseded: dict[str, str]
) -> DecisionRow:
    return DecisionRow(
        id=entry.id if entry else key,
        title=entry.title if entry else (info.subject if info else ""),
        choice=entry.choice if entry else "",
        step=entry.step if entry else "",
        commit=info.sha if info else "",
        author=info.author if info else "",
        date=info.date if info else "",
        superseded_by=superseded.get(key, ""),
        logged=entry is not None,
    )


def render(rows: list[DecisionRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"schema_version": JSON_SCHEMA_VERSION, "decisions": [asdict(r) for r in rows]}, indent=2)
    if fmt == "md":
        lines = [
            "| id | title | choice | commit | author | date | superseded by |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.id} | {_cell(r.title)} | {_cell(r.choice)} | {r.commit[:10] or '(none)'} | "
            f"{_cell(r.author)} | {r.date[:10]} | {r.superseded_by} |"
            for r in rows
        ]
        return "\n".join(lines)
    width = max([len(r.id) for r in rows] + [2])
    lines = [
        f"{r.id:<{width}}  {r.commit[:10] or '(no commit)':<11} {r.date[:10]:<10}  {r.title}: {r.choice}"
        + (f"  [superseded by {r.superseded_by}]" if r.superseded_by else "")
        for r in rows
    ]
    return "\n".join(lines) or "no decisions recorded"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def decisions(path: Path, fmt: str = "text") -> int:
    """Print the decisions of the project at ``path``."""
    print(render(collect(find_root(path)), fmt))
    return 0
