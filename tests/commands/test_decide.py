"""`ftspec decide`: one commit with trailers, and nothing changed when anything fails (kill -9 included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ftspec.commands.decide import FAULT_POINTS, DecideOptions, decide
from ftspec.errors import FtspecError
from ftspec.journal import JOURNAL
from tests.gitrepo import git

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "TRAIN-002",
    "--title",
    "Training approach",
    "--choice",
    "SFT then DPO",
    "--rationale",
    "Preference data exists.",
]


def snapshot(repo: Path) -> dict[str, bytes | str]:
    """The exact bytes of the files decide touches and of the index, plus HEAD and the files' status."""
    state: dict[str, bytes | str] = {
        name: (repo / name).read_bytes() for name in ("decision-log.md", "sidecar.yaml", ".git/index")
    }
    state["HEAD"] = git(repo, "rev-parse", "HEAD")
    state["journal"] = str((repo / ".git" / JOURNAL).exists())
    return state


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain")


def options(repo: Path, decision_id: str = "TRAIN-002", **kw: object) -> DecideOptions:
    return DecideOptions(
        decision_id, "Training approach", "SFT then DPO", "Preference data exists.", project=repo, **kw
    )  # type: ignore[arg-type]


def run_cli(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ftspec", *args], cwd=repo, env=full_env, capture_output=True, text=True
    )


def test_decide_commits_entry_sidecar_paths_and_trailers(decision_repo: Path) -> None:
    (decision_repo / "training.yaml").write_text("approach: sft+dpo\n")
    assert decide(options(decision_repo, paths=[decision_repo / "training.yaml"], supersedes=None)) == 0
    message = git(decision_repo, "log", "-1", "--format=%B")
    assert "Decision-Id: TRAIN-002" in message and "Decision-Step: 5" in message
    files = git(decision_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(files) == ["decision-log.md", "sidecar.yaml", "training.yaml"]
    log = (decision_repo / "decision-log.md").read_text()
    assert log.count("---") == 2 and "## TRAIN-002: Training approach" in log and "**Step:** 5" in log
    sidecar = (decision_repo / "sidecar.yaml").read_text()
    assert "# keep this comment" in sidecar and "phase_2_training: in-progress   # step 5" in sidecar
    assert sidecar.index("id: TRAIN-001") < sidecar.index("id: TRAIN-002")
    assert status(decision_repo) == ""


def test_supersedes_trailer_and_entry(decision_repo: Path) -> None:
    decide(options(decision_repo, "TRAIN-004", supersedes="train-001", step="5"))
    assert "Supersedes: train-001" in git(decision_repo, "log", "-1", "--format=%B")
    assert "**Supersedes:** train-001" in (decision_repo / "decision-log.md").read_text()


@pytest.mark.parametrize("used", ["TRAIN-001", "train-001"])
def test_used_id_is_refused_naming_where(decision_repo: Path, used: str) -> None:
    before = snapshot(decision_repo)
    with pytest.raises(FtspecError, match=r"decision-log.md:3.*sidecar.yaml: decisions\[0\].*commit"):
        decide(options(decision_repo, used))
    assert snapshot(decision_repo) == before


def test_unknown_supersedes_is_refused(decision_repo: Path) -> None:
    with pytest.raises(FtspecError, match="TRAIN-009: no such decision"):
        decide(options(decision_repo, supersedes="TRAIN-009"))


def test_unrelated_staged_changes_are_refused_and_named(decision_repo: Path) -> None:
    (decision_repo / "notes.txt").write_text("draft\n")
    git(decision_repo, "add", "notes.txt")
    before = snapshot(decision_repo)
    with pytest.raises(FtspecError, match=r"unrelated changes are already staged \(notes.txt\)"):
        decide(options(decision_repo))
    assert snapshot(decision_repo) == before


def test_rejecting_hook_leaves_everything_as_before(decision_repo: Path) -> None:
    hook = decision_repo / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    (decision_repo / "training.yaml").write_text("approach: sft\n")
    before = snapshot(decision_repo)
    with pytest.raises(FtspecError, match="commit was refused.*rejected by policy"):
        decide(options(decision_repo, paths=[decision_repo / "training.yaml"]))
    assert snapshot(decision_repo) == before
    assert status(decision_repo) == "?? training.yaml\n"


def test_missing_identity_leaves_everything_as_before(
    decision_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    git(decision_repo, "config", "user.useConfigOnly", "true")
    before = snapshot(decision_repo)
    with pytest.raises(FtspecError, match="git has no identity"):
        decide(options(decision_repo))
    assert snapshot(decision_repo) == before


def test_invalid_id_is_a_usage_error(decision_repo: Path) -> None:
    result = run_cli(decision_repo, "decide", "train2", "--title", "t", "--choice", "c", "--rationale", "r")
    assert (
        result.returncode == 4 and "is not PREFIX-NNN" in result.stderr and "Traceback" not in result.stderr
    )


def test_cli_decide(decision_repo: Path) -> None:
    result = run_cli(decision_repo, "decide", *ARGS)
    assert result.returncode == 0, result.stderr
    assert "recorded TRAIN-002" in result.stdout


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_kill_9_at_each_step_is_recovered(decision_repo: Path, point: str) -> None:
    (decision_repo / "training.yaml").write_text("approach: sft\n")
    before = snapshot(decision_repo)
    killed = run_cli(decision_repo, "decide", *ARGS, "training.yaml", env={"FTSPEC_FAULT": point})
    assert killed.returncode == -signal.SIGKILL
    assert (decision_repo / ".git" / JOURNAL).exists()
    recovered = run_cli(decision_repo, "decisions", "--format", "json")
    assert recovered.returncode == 0, recovered.stderr
    if (
        point == "after-commit"
    ):  # the commit is the point of no return: the decision is complete, rolled forward
        assert "had committed" in recovered.stderr
        assert not (decision_repo / ".git" / JOURNAL).exists()
        assert "Decision-Id: TRAIN-002" in git(decision_repo, "log", "-1", "--format=%B")
        assert status(decision_repo) == ""
    else:
        assert "rolled back" in recovered.stderr
        assert snapshot(decision_repo) == before
        assert status(decision_repo) == "?? training.yaml\n"
        assert run_cli(decision_repo, "decide", *ARGS, "training.yaml").returncode == 0


def test_kill_9_while_git_commit_runs_is_recovered(decision_repo: Path) -> None:
    """A hook kills ftspec mid-commit and then rejects: the next invocation rolls everything back."""
    hook = decision_repo / ".git" / "hooks" / "commit-msg"
    hook.write_text(
        f'#!/bin/sh\n{sys.executable} -c "import json,os,signal; '
        f"os.kill(json.load(open('.git/{JOURNAL}'))['pid'], signal.SIGKILL)\"\nexit 1\n"
    )
    hook.chmod(0o755)
    before = snapshot(decision_repo)
    killed = run_cli(decision_repo, "decide", *ARGS)
    assert killed.returncode == -signal.SIGKILL
    hook.unlink()
    recovered = run_cli(decision_repo, "decisions")
    assert "rolled back" in recovered.stderr
    assert snapshot(decision_repo) == before


@pytest.mark.parametrize("field", ["title", "choice", "rationale"])
def test_empty_text_is_refused(decision_repo: Path, field: str) -> None:
    opts = options(decision_repo)
    setattr(opts, field, "  ")
    with pytest.raises(FtspecError, match=f"--{field} must be one non-empty line"):
        decide(opts)
