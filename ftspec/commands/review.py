"""`ftspec review BASE..HEAD`: the pull-request view: decisions, spec files, gate changes, DVC params."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftspec import git, history
from ftspec.decisions import TRAILER_ID, TRAILER_SUPERSEDES, parse_log, split_ids, trailer_values
from ftspec.errors import FtspecError, UsageError
from ftspec.project import MANIFEST, Project, find_root
from ftspec.report.model import JSON_SCHEMA_VERSION
from ftspec.results import GateResult

DVC_FILES = ("dvc.yaml", "params.yaml")


@dataclass
class GateChange:
    """A gate whose outcome differs between BASE and HEAD."""

    id: str
    base: str
    head: str
    findings: list[str] = field(default_factory=list)


@dataclass
class Review:
    """Everything the pull-request view shows."""

    base: str
    head: str
    decisions: list[dict[str, str]] = field(default_factory=list)
    superseded: list[dict[str, str]] = field(default_factory=list)
    spec_files: list[dict[str, str]] = field(default_factory=list)
    newly_failing: list[GateChange] = field(default_factory=list)
    fixed: list[GateChange] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    gate_summary: dict[str, dict[str, int]] = field(default_factory=dict)
    params: list[dict[str, Any]] = field(default_factory=list)
    uses_dvc: bool = False


def split_range(rev_range: str) -> tuple[str, str]:
    """`BASE..HEAD` (or `BASE...HEAD`, meaning from their merge base) -> (base, head)."""
    sep = "..." if "..." in rev_range else ".."
    base, found, head = rev_range.partition(sep)
    if not found or not base:
        raise UsageError(f"'{rev_range}' is not a range. write BASE..HEAD, e.g. origin/main..HEAD")
    return base, head or "HEAD"


def build(root: Path, rev_range: str) -> Review:
    """Compare the project at BASE and at HEAD without touching the user's work tree."""
    tree = git.work_tree(root)
    base_rev, head_rev = split_range(rev_range)
    base, head = git.rev_parse(tree, base_rev), git.rev_parse(tree, head_rev)
    if "..." in rev_range:
        base = git.merge_base(tree, base, head)
    prefix = _prefix(root, tree)
    review = Review(base, head)
    _decisions(review, tree, prefix, Project(root))
    _spec_files(review, tree, prefix, Project(root))
    _params(review, tree, prefix, Project(root))
    with history.shared_cache(root):  # both ends parse the decision log's history once, into root's cache
        _gates(review, tree, prefix)
    return review


def _prefix(root: Path, tree: Path) -> str:
    rel = root.resolve().relative_to(tree.resolve()).as_posix()
    return "" if rel == "." else rel + "/"


def _decisions(review: Review, tree: Path, prefix: str, project: Project) -> None:
    made: dict[str, dict[str, str]] = {}
    for info in reversed(git.commits(tree, f"{review.base}..{review.head}")):
        for did in trailer_values(list(info.trailers), TRAILER_ID):
            sup = ", ".join(trailer_values(list(info.trailers), TRAILER_SUPERSEDES))
            made[did.upper()] = {
                "id": did,
                "title": info.subject,
                "commit": info.sha,
                "author": info.author,
                "supersedes": sup,
            }
    log_rel = prefix + project.manifest.paths.decision_log
    old = {e.key for e in parse_log(git.show_file(tree, review.base, log_rel) or "")}
    for entry in parse_log(git.show_file(tree, review.head, log_rel) or ""):
        if entry.key in old:
            continue
        row = made.setdefault(
            entry.key, {"id": entry.id, "commit": "", "author": "", "supersedes": ", ".join(entry.supersedes)}
        )
        row.update(title=entry.title, choice=entry.choice)
    review.decisions = list(made.values())
    review.superseded = [
        {"id": old_id, "by": row["id"]}
        for row in review.decisions
        for old_id in split_ids(row.get("supersedes", ""))
    ]


def _spec_files(review: Review, tree: Path, prefix: str, project: Project) -> None:
    paths = project.manifest.paths
    spec = {prefix + MANIFEST, *(prefix + str(v) for k, v in paths.model_dump().items() if k != "gates")}
    folders = (prefix + "config/", prefix + paths.gates.rstrip("/") + "/")
    for status, path in git.changed_files(tree, review.base, review.head):
        if path in spec or path.startswith(folders) or path in {prefix + f for f in DVC_FILES}:
            review.spec_files.append({"status": status, "path": path[len(prefix) :]})


def _params(review: Review, tree: Path, prefix: str, project: Project) -> None:
    from ftspec.report.params import changed_params, param_files

    files = param_files(MANIFEST, project.manifest.paths.training)
    base, head = ({f: git.show_file(tree, rev, prefix + f) for f in files} for rev in (review.base, review.head))
    revs = (review.base, review.head)
    review.uses_dvc = any(git.show_file(tree, rev, prefix + "dvc.yaml") is not None for rev in revs)
    review.params = changed_params(base, head)


def _gates(review: Review, tree: Path, prefix: str) -> None:
    base, head = _run_gates(tree, review.base, prefix), _run_gates(tree, review.head, prefix)
    for name, results in (("base", base), ("head", head)):
        counts: dict[str, int] = {}
        for result in results.values():
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        review.gate_summary[name] = counts
    for gate_id, result in head.items():
        before = base[gate_id].outcome if gate_id in base else "absent"
        if result.outcome == "failed" and before != "failed":
            review.newly_failing.append(
                GateChange(gate_id, before, "failed", [f.render() for f in result.findings])
            )
        elif result.outcome == "failed":
            review.still_failing.append(gate_id)
    for gate_id, result in base.items():
        after = head[gate_id].outcome if gate_id in head else "absent"
        if result.outcome == "failed" and after != "failed":
            review.fixed.append(GateChange(gate_id, "failed", after))


def _run_gates(tree: Path, rev: str, prefix: str) -> dict[str, GateResult]:
    from ftspec.commands.check import CheckOptions, run_check

    with git.checkout(tree, rev) as checkout:
        root = checkout / prefix
        if not (root / MANIFEST).is_file():
            return {}
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                run = run_check(CheckOptions(path=root))
            except FtspecError:
                return {}
    return {r.id: r for r in run.results}


def review(rev_range: str, fmt: str = "md", project: Path = Path("."), output: Path | None = None) -> int:
    """Print (or write) the review; exit 1 when a gate newly fails, like a check that got worse."""
    from ftspec.report.review import render_md

    result = build(find_root(project), rev_range)
    payload = {"schema_version": JSON_SCHEMA_VERSION, **asdict(result)}
    text = json.dumps(payload, indent=2, default=str) if fmt == "json" else render_md(result)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 1 if result.newly_failing else 0
