"""ftspec.git: the repository lookups every check makes, answered from the files without GitPython."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ftspec import git as ftgit
from tests.gitrepo import git, git_isolated  # noqa: F401 - autouse fixture


def _repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


def test_repo_root_is_the_work_tree_above_a_subdirectory(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "a" / "b").mkdir(parents=True)
    assert ftgit.repo_root(repo / "a" / "b") == repo.resolve()


def test_repo_root_outside_any_repository_is_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert ftgit.repo_root(tmp_path / "plain") is None


def test_repo_root_of_a_linked_worktree_is_the_worktree(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "f").write_text("x\n")
    git(repo, "add", "f")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    assert (tmp_path / "wt" / ".git").is_file()
    assert ftgit.repo_root(tmp_path / "wt") == (tmp_path / "wt").resolve()


def test_a_stray_dot_git_file_is_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / ".git").write_text("not a gitfile\n")
    assert ftgit.repo_root(tmp_path / "p") is None


def test_git_dir_in_the_environment_is_left_to_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(elsewhere))
    assert ftgit.repo_root(elsewhere) == elsewhere.resolve()


def test_repo_root_starts_no_gitpython(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    probe = ("import sys; from pathlib import Path; from ftspec.git import repo_root; "
             f"assert repo_root(Path({str(repo)!r})) is not None; print('git' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
