"""Decision gates: every decision logged and committed, never edited in place, ids unique, steps complete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ftspec import git, history
from ftspec.decisions import TRAILER_ID, TRAILER_SUPERSEDES, LogEntry, parse_log, split_ids, trailer_values
from ftspec.errors import Location, SpecError, SpecErrors
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.registry import gate
from ftspec.loader import MarkdownDoc
from ftspec.models.sidecar import Sidecar
from ftspec.results import Finding

SOURCE = "AI-engineering workflow: decision-log.md and sidecar.yaml decisions[]"
FIX_DECIDE = "record it with `ftspec decide ID --title ... --choice ... --rationale ...`"


def _sidecar(ctx: GateContext) -> Sidecar:
    if not ctx.project.exists("sidecar"):
        raise NotApplicable(f"{ctx.project.rel('sidecar')} does not exist: no workflow decisions to check")
    value: Sidecar = ctx.value("sidecar")
    return value


def _log(ctx: GateContext) -> tuple[str, list[LogEntry]]:
    """The decision log's entries (none when it does not exist); an unreadable log is reported as findings."""
    loaded = ctx.project.load("decision_log")
    if loaded.missing:
        return loaded.rel, []
    if loaded.errors:
        raise SpecErrors(loaded.errors)
    assert isinstance(loaded.doc, MarkdownDoc)
    return loaded.rel, parse_log(loaded.doc.text)


def _tree(ctx: GateContext) -> Path:
    """The work tree, with HEAD recorded as an input; NotApplicable outside git or in a shallow clone."""
    tree = git.repo_root(ctx.project.root)
    if tree is None:
        raise NotApplicable("not inside a git repository: decisions have no history to check")
    if git.is_shallow(tree):
        raise NotApplicable("shallow clone: fetch the whole history (actions/checkout fetch-depth: 0)")
    ctx.project.track_value("git:HEAD", git.head_sha(ctx.project.root, "git:HEAD"))  # the cache's own resolver
    return tree


def _decision_loc(ctx: GateContext, idx: int) -> Location:
    return ctx.at("sidecar", ["decisions", idx, "id"])


@gate("decisions.logged", phase="workflow", needs=("sidecar",), source=SOURCE)
def logged(ctx: GateContext) -> Iterator[Finding]:
    """Every sidecar decision has a decision-log entry."""
    sidecar = _sidecar(ctx)
    rel, entries = _log(ctx)
    ids = {e.key for e in entries}
    for idx, decision in enumerate(sidecar.decisions):
        if decision.id.upper() not in ids:
            yield Finding(
                _decision_loc(ctx, idx),
                f"decision {decision.id} has no entry in {rel}",
                f"add `## {decision.id}: Title` with **Decision:**, **Date:**, **Step:**, **Rationale:**",
            )


@gate(
    "decisions.unique-ids",
    phase="workflow",
    needs=("sidecar",),
    source=SOURCE + ": ids match case-insensitively",
)
def unique_ids(ctx: GateContext) -> Iterator[Finding]:
    """Decision ids are unique (case-insensitive) in the sidecar and in the log."""
    sidecar = _sidecar(ctx)
    seen: dict[str, str] = {}
    for idx, decision in enumerate(sidecar.decisions):
        key = decision.id.upper()
        if key in seen:
            yield Finding(
                _decision_loc(ctx, idx),
                f"decision id {decision.id} repeats {seen[key]}",
                "give the later decision the next free id",
            )
        seen.setdefault(key, f"decisions[{idx}]")
    rel, entries = _log(ctx)
    first: dict[str, int] = {}
    for entry in entries:
        if entry.key in first:
            yield Finding(
                Location(rel, entry.line),
                f"decision id {entry.id} repeats the entry on line {first[entry.key]}",
                "give the later entry the next free id",
            )
        first.setdefault(entry.key, entry.line)


@gate("decisions.committed", phase="workflow", needs=("sidecar",), source="ftspec: decisions as commits")
def committed(ctx: GateContext) -> Iterator[Finding]:
    """Every committed sidecar decision has a commit carrying its Decision-Id trailer."""
    sidecar = _sidecar(ctx)
    tree = _tree(ctx)
    carried = {
        v.upper() for info in git.commits(tree) for v in trailer_values(list(info.trailers), TRAILER_ID)
    }
    in_head = _ids_at_head(ctx, tree)
    for idx, decision in enumerate(sidecar.decisions):
        # A decision not yet in HEAD is being committed now: the commit-msg hook checks its trailer.
        if decision.id.upper() in in_head and decision.id.upper() not in carried:
            yield Finding(
                _decision_loc(ctx, idx),
                f"no commit carries `{TRAILER_ID}: {decision.id}`",
                "record decisions with `ftspec decide`, or amend the commit that added it with "
                f"`git commit --amend --trailer '{TRAILER_ID}: {decision.id}'`",
            )


def _ids_at_head(ctx: GateContext, tree: Path) -> set[str]:
    from ruamel.yaml import YAML

    from ftspec.decisions import sidecar_decision_ids

    text = git.show_file(tree, "HEAD", _in_tree(ctx, tree, ctx.project.rel("sidecar")))
    if text is not None and _unchanged(ctx, text):
        return {d.id.upper() for d in _sidecar(ctx).decisions}  # parsed already: a long sidecar costs
    try:
        data = YAML(typ="safe").load(text) if text else None
    except Exception:  # noqa: BLE001 - an unreadable old sidecar has no committed decisions to hold to
        return set()
    return {did.upper() for _, did in sidecar_decision_ids(data)}


def _unchanged(ctx: GateContext, committed: str) -> bool:
    """Whether the work tree's sidecar is the committed text (decoded the way git.show_file decodes it)."""
    try:
        return ctx.read_text(ctx.project.rel("sidecar"), ("paths", "sidecar"), limit=16 << 20) == committed
    except (SpecError, OSError):
        return False


def _in_tree(ctx: GateContext, tree: Path, rel: str) -> str:
    return (ctx.project.root / rel).resolve().relative_to(tree.resolve()).as_posix()


@gate(
    "decisions.immutable",
    phase="workflow",
    needs=("sidecar",),
    source="ftspec: decisions are superseded, never edited in place",
)
def immutable(ctx: GateContext) -> Iterator[Finding]:
    """A logged decision's text never changes after its first commit unless a later decision supersedes it."""
    _sidecar(ctx)
    tree = _tree(ctx)
    rel, entries = _log(ctx)
    first = history.first_entries(tree, _in_tree(ctx, tree, rel), ctx.project.root)
    superseded = _superseded(ctx, tree, entries)
    current = {e.key: e for e in entries}
    for key, (sha, old) in first.items():
        if key in superseded:
            continue
        now = current.get(key)
        if now is None:
            yield Finding(
                Location(rel, 1),
                f"decision {old.id} (commit {sha[:10]}) was removed from the log",
                "restore its entry; to replace a decision, record a new one with --supersedes",
            )
        elif _norm(now.text) != _norm(old.text):
            yield Finding(
                Location(rel, now.line),
                f"decision {now.id} was edited after commit {sha[:10]}",
                f"restore its text (git show {sha[:10]}:{rel}) and record a new decision with "
                f"`ftspec decide NEW-ID --supersedes {now.id} ...`",
            )


def _superseded(ctx: GateContext, tree: Path, entries: list[LogEntry]) -> set[str]:
    ids = {old for e in entries for old in e.supersedes}
    ids |= {d.supersedes.upper() for d in ctx.value("sidecar").decisions if d.supersedes}
    for info in git.commits(tree):
        ids |= set(split_ids(", ".join(trailer_values(list(info.trailers), TRAILER_SUPERSEDES))))
    return ids


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


REQUIRED = {"5": ["TRAIN-001", "TRAIN-002", "TRAIN-003"]}


@gate(
    "decisions.required",
    phase="workflow",
    needs=("sidecar",),
    required=REQUIRED,
    source="step 5: decisions TRAIN-001 (base model), TRAIN-002 (SFT/DPO), TRAIN-003 (PEFT method)",
)
def required(ctx: GateContext) -> Iterator[Finding]:
    """A completed step has the decisions it requires."""
    sidecar = _sidecar(ctx)
    have = {d.id.upper() for d in sidecar.decisions}
    completed = {str(s) for s in sidecar.stepsCompleted}
    for step, ids in dict(ctx.params["required"]).items():
        if str(step) not in completed or (str(step) == "5" and sidecar.architecture == "rag-only"):
            continue
        for missing in [i for i in ids if str(i).upper() not in have]:
            yield ctx.finding(
                "sidecar",
                ["stepsCompleted"],
                f"step {step} is completed but decision {missing} is missing",
                f"{FIX_DECIDE.replace('ID', str(missing))} --step {step}",
            )
