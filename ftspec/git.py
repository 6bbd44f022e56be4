"""Every git call ftspec makes, through GitPython; failures become GitError with what to do."""

from __future__ import annotations

from pathlib import Path

from ftspec.errors import GitError


def repo_root(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside any repository."""
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None
    return Path(repo.working_tree_dir) if repo.working_tree_dir else None


def init_and_commit(path: Path, message: str, trailers: list[tuple[str, str]] | None = None) -> str:
    """`git init` a new repository at ``path``, stage everything and commit; returns the commit sha."""
    import git

    try:
        repo = git.Repo.init(path, initial_branch="main")
        repo.git.add(A=True)
        return _commit(repo, message, trailers or [])
    except git.GitCommandError as exc:
        raise GitError(_explain(exc)) from None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None


def _commit(repo: object, message: str, trailers: list[tuple[str, str]]) -> str:
    args = ["-m", message]
    for key, value in trailers:
        args += ["--trailer", f"{key}: {value}"]
    repo.git.commit(*args)  # type: ignore[attr-defined]
    return str(repo.head.commit.hexsha)  # type: ignore[attr-defined]


def _explain(exc: object) -> str:
    stderr = str(getattr(exc, "stderr", "") or exc).strip().replace("\n", " ")
    if "Please tell me who you are" in stderr or "user.email" in stderr:
        return "git has no identity: run `git config --global user.name NAME` and `git config --global user.email EMAIL`"
    return f"git failed: {stderr[:300]}"


def source_commit(path: Path) -> str | None:
    """The sha of HEAD in the repository containing ``path``, or None outside any repository."""
    import git

    try:
        return str(git.Repo(path, search_parent_directories=True).head.commit.hexsha)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None


def is_dirty(path: Path) -> bool | None:
    """Whether the work tree has uncommitted changes (None outside any repository)."""
    import git

    try:
        return bool(git.Repo(path, search_parent_directories=True).is_dirty(untracked_files=False))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
