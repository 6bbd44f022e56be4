"""`ftspec decide`: a decision as one commit (log entry, sidecar decision, trailers), all or nothing."""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ftspec import git
from ftspec.decisions import (
    ID_PATTERN,
    TRAILER_ID,
    add_sidecar_decision,
    append_entry,
    decision_trailers,
    format_entry,
    parse_log,
    sidecar_decision_ids,
    split_ids,
    trailer_values,
)
from ftspec.errors import GitError, UsageError
from ftspec.journal import JOURNAL, Journal, decide_lock, fault, find_git_dir, pid_alive, write_atomic
from ftspec.project import Project, find_root

# Where FTSPEC_FAULT can kill the process, in order; tests drive each one.
FAULT_POINTS = ("after-journal", "after-log-write", "after-sidecar-write", "after-stage", "after-commit")


@dataclass
class DecideOptions:
    """What `ftspec decide` was asked for."""

    decision_id: str
    title: str
    choice: str
    rationale: str
    step: str | None = None
    supersedes: str | None = None
    paths: list[Path] = field(default_factory=list)
    project: Path = Path(".")
    date: str | None = None  # when the decision was made (back-filling decisions older than the project's adoption)


@dataclass
class Plan:
    """Everything decide will write, computed before anything is touched."""

    tree: Path
    log: Path
    sidecar: Path
    log_text: str
    sidecar_text: str
    stage: list[str]
    message: str
    trailers: list[tuple[str, str]]


def decide(options: DecideOptions) -> int:
    """Append the entry, add the sidecar decision, stage and commit; on any failure restore everything."""
    root = find_root(options.project)
    git_dir = git.git_dir(root)
    with decide_lock(git_dir):  # before planning: a plan made from files another decide is changing loses it
        _recover(git_dir)
        plan = make_plan(Project(root), options)
        journal = Journal.begin(
            git_dir,
            git.index_file(root),
            git.head_commit(root),
            options.decision_id,
            [plan.log, plan.sidecar],
        )
        try:
            sha = _apply(plan, journal)
        except BaseException:
            journal.rollback()
            raise
        journal.finish()
    print(f"recorded {options.decision_id} in commit {sha[:10]}: {', '.join(plan.stage)}")
    return 0


def _apply(plan: Plan, journal: Journal) -> str:
    fault("after-journal")
    write_atomic(plan.log, plan.log_text.encode("utf-8"))
    fault("after-log-write")
    write_atomic(plan.sidecar, plan.sidecar_text.encode("utf-8"))
    fault("after-sidecar-write")
    git.add(plan.tree, plan.stage)
    fault("after-stage")
    try:
        sha = git.commit(plan.tree, plan.message, plan.trailers)
    except GitError as exc:
        raise GitError(f"the commit was refused, nothing was changed: {exc}") from None
    fault("after-commit")
    return sha


def make_plan(project: Project, options: DecideOptions) -> Plan:
    """Validate the request against the log, the sidecar, history and the index; compute the new files."""
    decision_id = options.decision_id.strip()
    if not ID_PATTERN.match(decision_id):
        raise UsageError(f"decision id '{decision_id}' is not PREFIX-NNN (e.g. TRAIN-002). use that form")
    _check_text(options)
    tree = git.work_tree(project.root)
    for name in ("decision_log", "sidecar"):  # decide reads and writes these: never outside the project
        refused = project.refused(str(getattr(project.manifest.paths, name)), ("paths", name))
        if refused is not None:
            raise UsageError(str(refused))
    log, sidecar = (
        project.root / project.manifest.paths.decision_log,
        project.root / project.manifest.paths.sidecar,
    )
    if not sidecar.is_file():
        raise UsageError(
            f"{_rel(sidecar, tree)} does not exist. create it (ftspec init) before recording decisions"
        )
    sidecar_text = sidecar.read_text(encoding="utf-8")
    log_text = log.read_text(encoding="utf-8") if log.exists() else None
    _check_unused(tree, decision_id, log, log_text, sidecar, sidecar_text)
    if options.supersedes:
        _check_supersedes(tree, options.supersedes, log_text, sidecar_text)
    step = options.step or _current_step(sidecar_text)
    day = _decision_date(options.date)
    entry = format_entry(
        decision_id, options.title, options.choice, day, step, options.rationale, options.supersedes
    )
    new_sidecar = add_sidecar_decision(
        sidecar_text,
        {
            "id": decision_id,
            "step": int(step) if step.isdigit() else step,
            "title": options.title,
            "choice": options.choice,
            "rationale": options.rationale,
            "supersedes": options.supersedes,
        },
    )
    stage = [_rel(log, tree), _rel(sidecar, tree)] + [_rel(_abs(p), tree) for p in options.paths]
    _check_index(tree, stage)
    message = f"{decision_id}: {options.title}\n\nDecision: {options.choice}\n\n{options.rationale}"
    return Plan(
        tree,
        log,
        sidecar,
        append_entry(log_text, entry),
        new_sidecar,
        stage,
        message,
        decision_trailers(decision_id, step, options.supersedes),
    )


def _check_text(options: DecideOptions) -> None:
    for name in ("title", "choice", "rationale"):
        value = getattr(options, name)
        if not value.strip() or "\n" in value.strip() and name != "rationale":
            raise UsageError(f"--{name} must be one non-empty line. say what was decided in a few words")


def _check_unused(
    tree: Path, decision_id: str, log: Path, log_text: str | None, sidecar: Path, sidecar_text: str
) -> None:
    key = decision_id.upper()
    places = [f"{_rel(log, tree)}:{e.line}" for e in parse_log(log_text or "") if e.key == key]
    places += [
        f"{_rel(sidecar, tree)}: decisions[{idx}]"
        for idx, did in _sidecar_ids(sidecar_text)
        if did.upper() == key
    ]
    places += [
        f"commit {c.sha[:10]}"
        for c in git.commits(tree)
        if key in {v.upper() for v in trailer_values(list(c.trailers), TRAILER_ID)}
    ]
    if places:
        raise UsageError(
            f"decision id {decision_id} is already used ({', '.join(places)}). ids are unique "
            "(case-insensitive): pick the next free number, or --supersedes it with a new id"
        )


def _check_supersedes(tree: Path, supersedes: str, log_text: str | None, sidecar_text: str) -> None:
    known = {e.key for e in parse_log(log_text or "")} | {
        did.upper() for _, did in _sidecar_ids(sidecar_text)
    }
    missing = [s for s in split_ids(supersedes) if s not in known]
    if missing:
        raise UsageError(
            f"--supersedes {', '.join(missing)}: no such decision in the log or the sidecar. "
            "name a recorded decision (ftspec decisions)"
        )


def _check_index(tree: Path, stage: list[str]) -> None:
    unrelated = [
        p
        for p in git.staged_paths(tree)
        if p not in stage and not any(p.startswith(s.rstrip("/") + "/") for s in stage)
    ]
    if unrelated:
        listed = ", ".join(unrelated[:10]) + (" ..." if len(unrelated) > 10 else "")
        raise UsageError(
            f"unrelated changes are already staged ({listed}). commit them first, unstage them "
            "(git restore --staged PATH), or name them as PATH arguments"
        )


def _sidecar_ids(text: str) -> list[tuple[int, str]]:
    from ruamel.yaml import YAML

    try:
        return sidecar_decision_ids(YAML(typ="safe").load(text))
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file to fix
        raise UsageError(
            f"sidecar.yaml cannot be read ({type(exc).__name__}). run `ftspec check` to see where"
        ) from None


def _current_step(sidecar_text: str) -> str:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(sidecar_text)
    step = data.get("currentStep") if isinstance(data, dict) else None
    if step is None:
        raise UsageError("no --step given and sidecar.yaml has no currentStep. pass --step N")
    return str(step)


def _today() -> str:
    return datetime.date.today().isoformat()


def _decision_date(given: str | None) -> str:
    """The log entry's date: today, or a past date given as YYYY-MM-DD for a decision made before adoption."""
    if given is None:
        return _today()
    try:
        day = datetime.date.fromisoformat(given.strip())
    except ValueError:
        raise UsageError(f"--date {given}: not a date. write it as YYYY-MM-DD, e.g. 2025-03-14") from None
    if day > datetime.date.today():
        raise UsageError(f"--date {given} is in the future. give the day the decision was made")
    return day.isoformat()


def _abs(path: Path) -> Path:
    return path if path.is_absolute() else Path.cwd() / path


def _rel(path: Path, tree: Path) -> str:
    try:
        return path.resolve().relative_to(tree.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the repository at {tree}. name files inside it") from None


def recover(git_dir: Path | None) -> None:
    """Finish or undo a decide that was killed: roll forward when its commit exists, else roll back."""
    if git_dir is None or not (git_dir / JOURNAL).exists():
        return
    with decide_lock(git_dir, wait=0) as locked:
        if locked:  # else a decide is in flight (this may be its own commit hook running ftspec)
            _recover(git_dir)


def _recover(git_dir: Path) -> None:
    """Recovery under the decide lock."""
    try:
        found = Journal.load(git_dir)
    except (OSError, ValueError, KeyError, TypeError):
        raise GitError(f"{git_dir / JOURNAL} is unreadable. check decision-log.md and sidecar.yaml by hand, "
                       "then delete that file") from None
    if found is None:
        return
    journal, pid = found
    if pid_alive(pid):
        return  # a decide in progress (this may be its own commit hook running ftspec): not ours to touch
    head = git.head_commit(git_dir.parent)
    if head == journal.head:
        journal.rollback()
        print(f"ftspec: rolled back an interrupted `ftspec decide {journal.label}`", file=sys.stderr)
    elif _made_by(git_dir.parent, head, journal):
        journal.finish()
        print(
            f"ftspec: `ftspec decide {journal.label}` had committed before it was interrupted",
            file=sys.stderr,
        )
    else:
        raise GitError(
            f"an interrupted `ftspec decide {journal.label}` left {journal.path} but HEAD has moved "
            "since. check decision-log.md and sidecar.yaml by hand, then delete that file"
        )


def _made_by(tree: Path, head: str | None, journal: Journal) -> bool:
    return (
        bool(head)
        and git.parent_sha(tree, head or "") == journal.head
        and git.commit_has_trailer(tree, head or "", TRAILER_ID, journal.label)
    )


def recover_here(start: Path | None = None) -> None:
    """Recovery for any command run inside a repository with a leftover journal (cheap when there is none)."""
    recover(find_git_dir(start or Path(os.getcwd())))
