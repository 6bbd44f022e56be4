"""Every git call ftspec makes, through GitPython; failures become GitError with what to do."""

from __future__ import annotations

from pathlib import Path

from ftspec.cache import value_resolver
from ftspec.errors import GitError


@value_resolver("git")
def head_sha(root: Path, key: str = "git:HEAD") -> str:
    """The commit HEAD points at, read from .git's files (no git process: the result cache calls this often)."""
    gitdir = _gitdir(root)
    if gitdir is None:
        return "no-repository"
    try:
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        common = _common_dir(gitdir)
        for base in (gitdir, common):
            if (base / ref).is_file():
                return (base / ref).read_text(encoding="utf-8").strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                if line.endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except OSError:
        return "unreadable"
    return "unborn"


def _gitdir(root: Path) -> Path | None:
    for candidate in (root, *root.parents):
        dotgit = candidate / ".git"
        if dotgit.is_dir():
            return dotgit
        if dotgit.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dotgit.read_text(encoding="utf-8").strip()
            if text.startswith("gitdir: "):
                path = Path(text[8:])
                return path if path.is_absolute() else (candidate / path).resolve()
    return None


def _common_dir(gitdir: Path) -> Path:
    common = gitdir / "commondir"
    if common.is_file():
        path = Path(common.read_text(encoding="utf-8").strip())
        return path if path.is_absolute() else (gitdir / path).resolve()
    return gitdir


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
        if not _has_identity(repo):
            # A scaffold commit needs no personal identity; later commits (ftspec decide) do, and say so.
            repo.git.update_environment(GIT_AUTHOR_NAME="ftspec init", GIT_AUTHOR_EMAIL="ftspec-init@localhost",
                                        GIT_COMMITTER_NAME="ftspec init", GIT_COMMITTER_EMAIL="ftspec-init@localhost")
        return _commit(repo, message, trailers or [])
    except git.GitCommandError as exc:
        raise GitError(_explain(exc)) from None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None


def _has_identity(repo: object) -> bool:
    import os

    import git

    if os.environ.get("GIT_AUTHOR_EMAIL") and os.environ.get("GIT_COMMITTER_EMAIL"):
        return True
    try:
        return bool(repo.git.config("user.email"))  # type: ignore[attr-defined]
    except git.GitCommandError:
        return False


def _commit(repo: object, message: str, trailers: list[tuple[str, str]]) -> str:
    args = ["-m", message]
    for key, value in trailers:
        args += ["--trailer", f"{key}: {value}"]
    repo.git.commit(*args)  # type: ignore[attr-defined]
    return str(repo.head.commit.hexsha)  # type: ignore[attr-defined]


def _explain(exc: object) -> str:
    stderr = str(getattr(exc, "stderr", "") or exc).strip().replace("\n", " ")
    if "Please tell me who you are" in stderr or "user.email" in stderr:
        return ("git has no identity: run `git config --global user.name NAME` and "
                "`git config --global user.email EMAIL`")
    return f"git failed: {stderr[:300]}"
