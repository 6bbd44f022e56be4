"""Concurrent `ftspec decide`s serialize on the repository's lock: no decision is ever lost."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ftspec.commands.decide import DecideOptions, decide
from ftspec.journal import JOURNAL, Journal, write_atomic
from tests.gitrepo import git

PAIRS = int(os.environ.get("FTSPEC_DECIDE_PAIRS", "50"))
REAL_PAIRS = 3  # through real git: each decide runs several git commands, so few


def _decide_in_child(repo: Path, decision_id: str) -> int:
    """fork a child that runs decide and exits with its code."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child exits right after
            code = decide(DecideOptions(decision_id, f"Title {decision_id}", "A choice", "A reason.", project=repo))
        except BaseException:  # noqa: BLE001 - any failure is the child's exit code
            code = 2
        os._exit(code)
    return pid


def _race(repo: Path, pairs: int) -> None:
    for pair in range(pairs):
        ids = [f"CONC-{2 * pair + 1:03d}", f"CONC-{2 * pair + 2:03d}"]
        pids = [_decide_in_child(repo, decision_id) for decision_id in ids]
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        assert codes == [0, 0], f"pair {pair}: {codes}"
    log = (repo / "decision-log.md").read_text()
    sidecar = (repo / "sidecar.yaml").read_text()
    lost = [n for n in range(1, 2 * pairs + 1) if f"## CONC-{n:03d}:" not in log or f"id: CONC-{n:03d}" not in sidecar]
    assert not lost, f"decisions lost: {lost}"
    assert not (repo / ".git" / JOURNAL).exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_concurrent_pairs_lose_no_decision(decision_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race is between planning (reading the log and the sidecar) and writing them: git's part is stubbed
    so that 50 pairs stay fast; the lock, the plan, the journal and the writes are the real ones."""
    from ftspec import git as git_module

    head = git(decision_repo, "rev-parse", "HEAD").strip()
    monkeypatch.setattr(git_module, "git_dir", lambda root: decision_repo / ".git")
    monkeypatch.setattr(git_module, "work_tree", lambda root: decision_repo)
    monkeypatch.setattr(git_module, "index_file", lambda root: decision_repo / ".git" / "index")
    monkeypatch.setattr(git_module, "head_commit", lambda root: head)
    monkeypatch.setattr(git_module, "commits", lambda *args, **kwargs: [])
    monkeypatch.setattr(git_module, "staged_paths", lambda root: [])
    monkeypatch.setattr(git_module, "add", lambda root, paths: None)
    monkeypatch.setattr(git_module, "commit", lambda root, message, trailers: head)
    _race(decision_repo, PAIRS)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_concurrent_decides_through_git_serialize(decision_repo: Path) -> None:
    _race(decision_repo, REAL_PAIRS)
    assert len(git(decision_repo, "log", "--format=%H").split()) == 1 + 2 * REAL_PAIRS


def test_a_second_journal_is_refused_atomically(decision_repo: Path) -> None:
    git_dir = decision_repo / ".git"
    Journal.begin(git_dir, git_dir / "index", None, "A-001", [])
    with pytest.raises(Exception, match="another ftspec decide"):
        Journal.begin(git_dir, git_dir / "index", None, "B-001", [])


def test_rollback_removes_the_temporary_files_of_a_killed_write(decision_repo: Path) -> None:
    log = decision_repo / "decision-log.md"
    git_dir = decision_repo / ".git"
    journal = Journal.begin(git_dir, git_dir / "index", None, "TRAIN-009", [log])
    write_atomic(log, b"changed\n")
    (decision_repo / ".decision-log.md.abc123.tmp").write_bytes(b"half")  # what kill -9 leaves
    journal.rollback()
    assert not list(decision_repo.glob(".decision-log.md.*.tmp"))
    assert log.read_bytes() != b"changed\n"


def test_check_elsewhere_recovers_the_projects_interrupted_decide(
    decision_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ftspec check /path` from another directory rolls back the decide a kill left in that project."""
    import shutil

    from tests.conftest import WORKED

    for item in WORKED.iterdir():
        if item.name not in ("decision-log.md", "sidecar.yaml", ".ftspec", "gates"):
            (shutil.copytree if item.is_dir() else shutil.copy)(item, decision_repo / item.name)
    log = decision_repo / "decision-log.md"
    before = log.read_bytes()
    git_dir = decision_repo / ".git"
    head = git(decision_repo, "rev-parse", "HEAD").strip()
    journal = Journal.begin(git_dir, git_dir / "index", head, "TRAIN-009", [log])
    write_atomic(log, before + b"\n## TRAIN-009: half written\n")
    raw = (git_dir / JOURNAL).read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999')
    (git_dir / JOURNAL).write_text(raw)
    del journal
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    from ftspec.commands.check import CheckOptions, run_check

    run_check(CheckOptions(path=decision_repo, cache=False))
    assert log.read_bytes() == before
    assert not (git_dir / JOURNAL).exists()


def test_a_decision_log_outside_the_project_is_refused(decision_repo: Path, tmp_path: Path) -> None:
    from ftspec.errors import UsageError

    outside = tmp_path / "outside-log.md"
    outside.write_text("# log\n")
    with (decision_repo / "ftspec.yaml").open("a") as handle:
        handle.write(f"paths:\n  decision_log: {outside}\n")
    with pytest.raises(UsageError, match="leads outside the project"):
        decide(DecideOptions("TRAIN-002", "t", "c", "r.", project=decision_repo))
    assert outside.read_text() == "# log\n"
