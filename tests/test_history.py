"""ftspec.history: the incremental parse of the decision log's history gives exactly what parsing every
version whole gives, and its cache (by blob id) is shared and reused."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from ftspec import git as ftgit
from ftspec import history
from ftspec.cache import CACHED
from ftspec.decisions import LogEntry, parse_log
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.gitrepo import FIXTURES, git, git_isolated  # noqa: F401 - autouse fixture

ENTRY = "## {id}: Title {n}\n\n**Decision:** choice {n}\n**Date:** 2026-01-{d:02d}\n**Step:** 5\n"


def _row(sha: str, entry: LogEntry) -> tuple[Any, ...]:
    return sha, entry.id, entry.title, entry.line, entry.text, entry.fields


def full_fold(versions: list[str]) -> dict[str, tuple[Any, ...]]:
    """What decisions.immutable computed before: every version parsed whole."""
    first: dict[str, tuple[Any, ...]] = {}
    for idx, text in enumerate(versions):
        for entry in parse_log(text):
            first.setdefault(entry.key, _row(str(idx), entry))
    return first


def step_fold(versions: list[str]) -> dict[str, tuple[Any, ...]]:
    first: dict[str, tuple[Any, ...]] = {}
    parsed = None
    for idx, text in enumerate(versions):
        entries, parsed = history.step(parsed, text)
        for entry in entries:
            first.setdefault(entry.key, _row(str(idx), entry))
    return first


CASES = {
    "appends whole entries": ["# Log\n", "# Log\n\n" + ENTRY.format(id="A-001", n=1, d=1) + "\n---\n",
                              "# Log\n\n" + ENTRY.format(id="A-001", n=1, d=1) + "\n---\n\n"
                              + ENTRY.format(id="A-002", n=2, d=2)],
    "an append extends the open last entry": ["## A-001: T\n**Decision:** x", "## A-001: T\n**Decision:** xy\n",
                                              "## A-001: T\n**Decision:** xy\n**Rationale:** r\n## A-002: U\n"],
    "a line split across commits": ["## A-001: T\n--", "## A-001: T\n---\n## A-002: U\n"],
    "a fence opened before, closed after": ["## A-001: T\n```\n", "## A-001: T\n```\n## A-009: no\n```\n## B-001: V\n"],
    "CR then LF": ["## A-001: T\r", "## A-001: T\r\n**Step:** 5\r\n## A-002: U\r\n"],
    "an earlier entry edited": [ENTRY.format(id="A-001", n=1, d=1) + "---\n" + ENTRY.format(id="A-002", n=2, d=2),
                                ENTRY.format(id="A-001", n=9, d=1) + "---\n" + ENTRY.format(id="A-002", n=2, d=2)
                                + "---\n" + ENTRY.format(id="A-003", n=3, d=3)],
    "emptied then refilled": ["## A-001: T\n", "", "## A-002: U\n", "## A-002: U\n## a-001: again\n"],
    "a repeated id": ["## A-001: T\n", "## A-001: T\n## A-001: second\n"],
}


@pytest.mark.parametrize("versions", CASES.values(), ids=CASES.keys())
def test_incremental_parse_equals_full_parse(versions: list[str]) -> None:
    assert step_fold(versions) == full_fold(versions)


FRAGMENTS = ["## A-00{n}: Title", "### B-00{n}: Small", "**Decision:** c{n}", "**Rationale:** wrapped",
             "  continued", "---", "***", "```", "```python", "# Heading", "", "text {n}", "\r", "\u2028"]


def test_incremental_parse_equals_full_parse_on_random_histories() -> None:
    rng = random.Random(16)
    for _ in range(300):
        versions = [""]
        for _ in range(rng.randint(1, 12)):
            chunk = "".join(rng.choice(FRAGMENTS).format(n=rng.randint(1, 6)) + rng.choice(["\n", "\n", "", "\r\n"])
                            for _ in range(rng.randint(1, 5)))
            text = versions[-1]
            if rng.random() < 0.15 and text:  # an edit in place somewhere earlier
                cut = rng.randrange(len(text))
                text = text[:cut] + chunk + text[cut + 1 :]
            else:
                text += chunk
            versions.append(text)
        assert step_fold(versions) == full_fold(versions), versions


# -- on a git repository ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    history._MEMOS.clear()  # each test starts as a new process would
    CACHED.clear()


def _commit(repo: Path, text: str, message: str) -> None:
    (repo / "decision-log.md").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def log_repo(decision_repo: Path) -> Path:
    """Three appends, then a commit that edits the first entry, then another append."""
    log = decision_repo / "decision-log.md"
    text = log.read_text()
    for n in (2, 3, 4):
        text += "\n---\n\n" + ENTRY.format(id=f"TRAIN-00{n}", n=n, d=n)
        _commit(decision_repo, text, f"add {n}")
    _commit(decision_repo, text.replace("Qwen2.5-7B-Instruct", "Llama-3.1-8B"), "edit TRAIN-001 in place")
    _commit(decision_repo, log.read_text() + "\n---\n\n" + ENTRY.format(id="TRAIN-005", n=5, d=5), "add 5")
    return decision_repo


def _full_history(repo: Path) -> dict[str, tuple[Any, ...]]:
    first: dict[str, tuple[Any, ...]] = {}
    for sha, text in ftgit.file_history(repo, "decision-log.md"):
        for entry in parse_log(text):
            first.setdefault(entry.key, _row(sha, entry))
    return first


def _incremental(repo: Path) -> dict[str, tuple[Any, ...]]:
    CACHED.add(repo.resolve())  # as a check with the cache enabled registers its project
    first = history.first_entries(repo, "decision-log.md", repo)
    return {key: _row(sha, entry) for key, (sha, entry) in first.items()}


def test_first_entries_equal_the_full_parse_of_every_version(log_repo: Path) -> None:
    assert _incremental(log_repo) == _full_history(log_repo)
    assert set(_full_history(log_repo)) == {"TRAIN-001", "TRAIN-002", "TRAIN-003", "TRAIN-004", "TRAIN-005"}


def test_immutable_findings_are_those_of_the_full_parse(log_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = all_gates()["decisions.immutable"]
    incremental = run_gate(gate, Project(log_repo)).findings
    history._MEMOS.clear()
    monkeypatch.setattr(history, "first_entries", lambda tree, path, project: {
        key: (row[0], LogEntry(row[1], row[2], row[3], row[4], row[5])) for key, row in _full_history(tree).items()
    })
    assert [f.render() for f in incremental] == [f.render() for f in run_gate(gate, Project(log_repo)).findings]
    assert [f.render().split(": ", 1)[1][:40] for f in incremental] == ["decision TRAIN-001 was edited after comm"]


def test_a_later_check_reads_no_text_for_the_history_it_has_seen(
    log_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _incremental(log_repo)
    assert (log_repo / history.CACHE_FILE).is_file()
    history._MEMOS.clear()

    def no_reads(root: Path, blobs: list[str]) -> Any:
        assert not blobs, "read blob texts the cache holds"
        return iter(())

    monkeypatch.setattr(ftgit, "blob_data", no_reads)
    assert _incremental(log_repo) == before


def test_a_new_commit_parses_only_its_own_step(log_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _incremental(log_repo)
    history._MEMOS.clear()
    text = (log_repo / "decision-log.md").read_text() + "\n---\n\n" + ENTRY.format(id="TRAIN-006", n=6, d=6)
    _commit(log_repo, text, "add 6")
    expected = _full_history(log_repo)
    read = _count_reads(monkeypatch)
    assert _incremental(log_repo) == expected
    assert len(read) == 1  # the new version; the previous one (to pick up where it ended) is its start


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = ftgit.blob_data

    def counting(root: Path, blobs: list[str]) -> Any:
        read.extend(blobs)
        return real(root, blobs)

    monkeypatch.setattr(ftgit, "blob_data", counting)
    return read


def test_versions_a_log_grew_from_are_cut_from_the_newest_and_others_read(
    log_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six versions: four before TRAIN-001 was edited in place (no longer the start of the newest: read from
    git), the edit, and an append to it (the edit is the start of the append: cut from it)."""
    expected = _full_history(log_repo)
    read = _count_reads(monkeypatch)
    assert _incremental(log_repo) == expected
    blobs = [blob for _, blob in ftgit.path_blobs(log_repo, "decision-log.md")]
    assert len(blobs) == 6
    assert read == [blobs[-1], *blobs[:4]]


def test_an_append_only_history_reads_only_its_newest_version(
    decision_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (decision_repo / "decision-log.md").read_text()
    for n in range(2, 9):
        text += "\n---\n\n" + ENTRY.format(id=f"TRAIN-00{n}", n=n, d=n)
        _commit(decision_repo, text, f"add {n}")
    expected = _full_history(decision_repo)
    read = _count_reads(monkeypatch)
    assert _incremental(decision_repo) == expected
    assert read == [ftgit.path_blobs(decision_repo, "decision-log.md")[-1][1]]


def test_a_changed_parser_ignores_the_cache(log_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = log_repo / history.CACHE_FILE
    _incremental(log_repo)
    cache.write_text(cache.read_text().replace("TRAIN-002", "TRAIN-999"))
    history._MEMOS.clear()
    assert "TRAIN-999" in _incremental(log_repo)  # the same parser trusts its cache
    history._MEMOS.clear()
    monkeypatch.setattr(history, "_parser_key", lambda: "another parser")
    assert _incremental(log_repo) == _full_history(log_repo)


def test_review_worktrees_share_the_project_cache(log_repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(log_repo, "worktree", "add", "-q", "--detach", str(worktree), "HEAD~1")
    with history.shared_cache(log_repo):
        history.first_entries(worktree, "decision-log.md", worktree)
        history.first_entries(log_repo, "decision-log.md", log_repo)
    assert not (worktree / history.CACHE_FILE).exists()
    assert (log_repo / history.CACHE_FILE).is_file()


def test_unreadable_cache_is_ignored(log_repo: Path) -> None:
    (log_repo / history.CACHE_FILE).parent.mkdir(parents=True, exist_ok=True)
    (log_repo / history.CACHE_FILE).write_text("{not json")
    assert _incremental(log_repo) == _full_history(log_repo)


def test_a_moved_project_keeps_its_history(log_repo: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(log_repo, moved)
    assert _incremental(moved) == _full_history(moved)


def test_no_cache_reads_and_writes_no_history_cache(log_repo: Path) -> None:
    from ftspec.cache import ResultCache

    cache = log_repo / history.CACHE_FILE
    _incremental(log_repo)
    cache.write_text(cache.read_text().replace("TRAIN-002", "TRAIN-999"))
    before = cache.read_text()
    history._MEMOS.clear()
    ResultCache(log_repo, enabled=False)  # what `ftspec check --no-cache` creates
    first = history.first_entries(log_repo, "decision-log.md", log_repo)
    assert {key: _row(sha, entry) for key, (sha, entry) in first.items()} == _full_history(log_repo)
    assert cache.read_text() == before


def test_a_gate_run_outside_a_check_writes_nothing(log_repo: Path) -> None:
    assert run_gate(all_gates()["decisions.immutable"], Project(log_repo)).outcome == "failed"
    assert not (log_repo / ".ftspec").exists()


def test_no_history_before_the_first_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "decisions", repo)
    git(repo, "init", "-q", "-b", "main")
    assert history.first_entries(repo, "decision-log.md", repo) == {}
    assert run_gate(all_gates()["decisions.immutable"], Project(repo)).outcome == "passed"
