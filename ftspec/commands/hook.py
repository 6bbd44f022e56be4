"""`ftspec hook ...`: what the pre-commit framework hooks and the plain git hooks in hooks/ run."""

from __future__ import annotations

import sys
from pathlib import Path

from ftspec import git
from ftspec.commands.check import CheckOptions, check
from ftspec.decisions import TRAILER_ID, LogEntry, parse_log, trailer_values
from ftspec.errors import ProjectNotFound
from ftspec.project import MANIFEST, Project, find_root


def projects_for(files: list[Path]) -> list[Path]:
    """The distinct project roots holding ``files`` (files outside any project are ignored)."""
    roots: list[Path] = []
    for path in files:
        try:
            root = find_root(path if path.is_dir() else path.parent)
        except ProjectNotFound:
            continue
        if root not in roots:
            roots.append(root)
    return roots


def hook_check(files: list[Path]) -> int:
    """Run `ftspec check` on every project a changed spec file belongs to; fail if any fails."""
    worst = 0
    for root in projects_for(files):
        worst = max(worst, check(CheckOptions(path=root)))
    return worst


def hook_pre_push(start: Path = Path(".")) -> int:
    """Check every project tracked in the repository before it leaves the machine."""
    tree = git.work_tree(start)
    manifests = [tree / p for p in git.tracked(tree, f"*{MANIFEST}") if Path(p).name == MANIFEST]
    return hook_check(manifests)


def hook_commit_msg(message_file: Path, start: Path = Path(".")) -> int:
    """A commit that adds a decision-log entry carries `Decision-Id: <id>` for each new entry."""
    tree = git.work_tree(start)
    message = message_file.read_text(encoding="utf-8")
    carried = {v.upper() for v in trailer_values(git.message_trailers(tree, message), TRAILER_ID)}
    missing = [(rel, entry) for rel, entry in _added_entries(tree) if entry.key not in carried]
    for rel, entry in missing:
        print(
            f"{rel}:{entry.line}: decision {entry.id} is added without a `{TRAILER_ID}: {entry.id}` trailer. "
            f"record it with `ftspec decide`, or commit with --trailer '{TRAILER_ID}: {entry.id}'",
            file=sys.stderr,
        )
    return 1 if missing else 0


def _added_entries(tree: Path) -> list[tuple[str, LogEntry]]:
    staged = set(git.staged_paths(tree))
    out: list[tuple[str, LogEntry]] = []
    for root in projects_for([tree / p for p in staged]):
        project = Project(root)
        rel = (root / project.manifest.paths.decision_log).relative_to(tree).as_posix()
        if rel not in staged:
            continue
        old = {
            e.key for e in parse_log((git.show_file(tree, "HEAD", rel) if git.head_commit(tree) else None) or "")
        }
        out += [(rel, e) for e in parse_log(git.staged_text(tree, rel) or "") if e.key not in old]
    return out
