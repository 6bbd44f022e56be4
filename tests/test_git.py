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


def _committed(path: Path, versions: list[str]) -> Path:
    repo = _repo(path)
    for idx, text in enumerate(versions):
        (repo / "log.md").write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"v{idx}")
    return repo


def test_a_shallow_clone_is_seen_from_its_files_without_gitpython(tmp_path: Path) -> None:
    repo = _committed(tmp_path / "repo", ["a\n", "a\nb\n"])
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", "shallow")
    assert not ftgit.is_shallow(repo)
    probe = ("import sys; from pathlib import Path; from ftspec.git import is_shallow; "
             f"print(is_shallow(Path({str(tmp_path / 'shallow')!r})), 'git' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


def test_a_shallow_linked_worktree_reads_the_common_dir(tmp_path: Path) -> None:
    repo = _committed(tmp_path / "repo", ["a\n", "a\nb\n"])
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", "shallow")
    git(tmp_path / "shallow", "worktree", "add", "-q", "--detach", str(tmp_path / "wt"))
    assert ftgit.is_shallow(tmp_path / "wt")


def test_file_history_streams_every_version_oldest_first(tmp_path: Path) -> None:
    versions = ["one\n", "one\ntwo\n", "", "ü\r\nthree"]
    repo = _committed(tmp_path / "repo", versions)
    history = ftgit.file_history(repo, "log.md")
    assert [text for _, text in history] == versions
    assert [sha for sha, _ in history] == git(repo, "log", "--reverse", "--format=%H").split()
    blobs = [blob for _, blob in ftgit.path_blobs(repo, "log.md")]
    assert blobs == [git(repo, "rev-parse", f"{sha}:log.md").strip() for sha, _ in history]


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_blob_id_is_the_id_git_gives_those_bytes(tmp_path: Path, object_format: str) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", f"--object-format={object_format}", str(repo))
    for data in (b"", b"one\n", "ü\r\nthree".encode(), bytes(range(256)) * 300):
        (repo / "f").write_bytes(data)
        expected = git(repo, "hash-object", "f").strip()
        assert ftgit.blob_id(data, expected) == expected
        assert ftgit.blob_id(memoryview(data + b"more")[:len(data)], expected) == expected


def test_blob_sizes_are_the_sizes_of_the_versions(tmp_path: Path) -> None:
    versions = ["one\n", "one\ntwo\n", "ü\r\nthree"]
    repo = _committed(tmp_path / "repo", versions)
    assert [size for _, _, size in ftgit.path_blob_sizes(repo, "log.md")] == [len(v.encode()) for v in versions]


def test_history_of_an_unborn_branch_or_a_missing_file_is_empty(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    assert ftgit.path_blobs(repo, "log.md") == []
    repo = _committed(tmp_path / "other", ["x\n"])
    assert ftgit.path_blobs(repo, "absent.md") == []


def test_a_reader_that_stops_early_leaves_no_process(tmp_path: Path) -> None:
    repo = _committed(tmp_path / "repo", [f"{'x' * 100_000}{n}\n" for n in range(5)])
    blobs = [blob for _, blob in ftgit.path_blobs(repo, "log.md")]
    stream = ftgit.blob_texts(repo, blobs)
    assert next(stream)[0] == blobs[0]
    stream.close()  # the generator's cleanup kills git and joins the writer
