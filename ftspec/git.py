"""Every git call ftspec makes; failures become GitError with what to do.

Reads that every check makes (the repository, HEAD, whether the clone is shallow) come from .git's files; other
reads run the git binary directly; writes (init, commit) go through GitPython, whose import costs a check's
start-up time."""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    found = _repository(root)
    return found[1] if found else None


def _repository(start: Path) -> tuple[Path, Path] | None:
    """(work tree, git directory) of the repository holding ``start``, from the files alone: a ``.git`` folder,
    or the ``.git`` file of a worktree or submodule ("gitdir: <path>")."""
    for candidate in (start, *start.parents):
        dotgit = candidate / ".git"
        if dotgit.is_dir():
            return candidate, dotgit
        if dotgit.is_file():
            try:
                text = dotgit.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
            if text.startswith("gitdir: "):
                path = Path(text[8:])
                return candidate, path if path.is_absolute() else (candidate / path).resolve()
    return None


def _common_dir(gitdir: Path) -> Path:
    common = gitdir / "commondir"
    if common.is_file():
        path = Path(common.read_text(encoding="utf-8").strip())
        return path if path.is_absolute() else (gitdir / path).resolve()
    return gitdir


def repo_root(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside any repository.

    Found from the files (a ``.git`` directory, or a worktree's ``.git`` file), without starting GitPython:
    every check asks this. When the environment redirects git (GIT_DIR, GIT_WORK_TREE), git itself answers.
    """
    import os

    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return _toplevel_from_git(path)
    found = _repository(path.resolve())
    return found[0] if found else None


def _toplevel_from_git(path: Path) -> Path | None:
    import git

    try:
        top = git.Git(str(path)).rev_parse("--show-toplevel")
    except git.GitCommandError:
        return None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None
    return Path(str(top).strip()) if str(top).strip() else None


def init_and_commit(path: Path, message: str, trailers: list[tuple[str, str]] | None = None) -> str:
    """`git init` a new repository at ``path``, stage everything and commit; returns the commit sha."""
    init_repository(path)
    return commit_all(path, message, trailers)


def init_repository(path: Path) -> None:
    """`git init` a new repository (branch main) at ``path``."""
    import git

    try:
        git.Repo.init(path, initial_branch="main")
    except git.GitCommandError as exc:
        raise GitError(_explain(exc)) from None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None


def commit_all(path: Path, message: str, trailers: list[tuple[str, str]] | None = None) -> str:
    """Stage everything in the repository at ``path`` and commit; returns the commit sha."""
    import git

    try:
        repo = git.Repo(path)
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


# -- repository access ----------------------------------------------------------------------------------

def _repo(root: Path) -> Any:
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not inside a git repository. run `git init` first") from None
    except git.GitCommandNotFound:
        raise GitError("git is not installed. install git and try again") from None


def _run(root: Path, *args: str, stdin: str | None = None) -> str:
    """`git ARGS` in the repository of ``root`` (one trailing newline dropped); failures become GitError."""
    return _git(root, *args, stdin=None if stdin is None else stdin.encode("utf-8")).decode(
        "utf-8", errors="replace").removesuffix("\n")


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """The git binary, without GitPython (its import alone costs more than most of these calls)."""
    import subprocess

    try:  # from the top of the work tree, as GitPython ran it: pathspecs and output are relative to it
        cwd = (repo_root(root) or root) if root.is_dir() else root
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True)
    except FileNotFoundError:
        if not root.exists():
            raise GitError(f"{root} does not exist. run ftspec inside a git repository") from None
        raise GitError("git is not installed. install git and try again") from None
    except NotADirectoryError:
        raise GitError(f"{root} is not a directory. run ftspec inside a git repository") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", errors="replace")
        if "not a git repository" in stderr:
            raise GitError(f"{root} is not inside a git repository. run `git init` first")
        raise GitError(_explain(stderr))
    return proc.stdout


def git_dir(root: Path) -> Path:
    """The repository's .git directory (a worktree's own one for linked worktrees)."""
    return Path(_repo(root).git_dir)


def work_tree(root: Path) -> Path:
    """The top of the work tree holding ``root``."""
    tree = _repo(root).working_tree_dir
    if tree is None:
        raise GitError(f"{root} is in a bare repository. run ftspec in a checkout")
    return Path(tree)


def index_file(root: Path) -> Path:
    """The index file git uses for ``root``'s work tree."""
    return Path(_repo(root).index.path)


def head_commit(root: Path) -> str | None:
    """HEAD's commit sha, or None before the first commit."""
    repo = _repo(root)
    try:
        return str(repo.head.commit.hexsha)
    except ValueError:
        return None


def rev_parse(root: Path, rev: str) -> str:
    """The commit sha ``rev`` names; GitError naming the revision when it does not exist."""
    import git

    try:
        return str(_repo(root).commit(rev).hexsha)
    except (git.BadName, ValueError, git.GitCommandError):
        raise GitError(f"unknown revision '{rev}'. use a branch, tag or commit that exists") from None


def staged_paths(root: Path) -> list[str]:
    """Paths (relative to the work tree) whose staged content differs from HEAD."""
    base = "HEAD" if head_commit(root) else _EMPTY_TREE
    out = _run(root, "diff", "--cached", "--name-only", "-z", "--no-renames", base)
    return [p for p in out.split("\0") if p]


_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def add(root: Path, paths: list[str]) -> None:
    """`git add -- PATHS` (relative to the work tree)."""
    _run(root, "add", "--", *paths)


def commit(root: Path, message: str, trailers: list[tuple[str, str]]) -> str:
    """`git commit` through the git binary, so the repository's hooks and identity apply; returns the sha."""
    import git

    repo = _repo(root)
    try:
        return _commit(repo, message, trailers)
    except git.GitCommandError as exc:
        raise GitError(_explain(exc)) from None


def commit_has_trailer(root: Path, sha: str, key: str, value: str) -> bool:
    """Whether commit ``sha`` carries the trailer ``key: value`` (value case-insensitive)."""
    out = _run(root, "show", "-s", f"--format=%(trailers:key={key},valueonly,unfold)", sha)
    return value.upper() in {line.strip().upper() for line in out.splitlines()}


def parent_sha(root: Path, sha: str) -> str | None:
    parents = _repo(root).commit(sha).parents
    return str(parents[0].hexsha) if parents else None


@dataclass(frozen=True)
class CommitInfo:
    """A commit as ftspec reads history: sha, author, ISO date, subject and trailers."""

    sha: str
    author: str
    date: str
    subject: str
    trailers: tuple[tuple[str, str], ...]


_SEP, _END = "\x1f", "\x1e"


def commits(root: Path, rev_range: str = "HEAD", paths: list[str] | None = None) -> list[CommitInfo]:
    """Commits in ``rev_range`` (newest first) with their trailers; [] before the first commit.

    Several decision gates read HEAD's history in one check: it is walked once per HEAD commit.
    """
    if rev_range == "HEAD":
        return list(_head_commits(root, tuple(paths or ()), head_sha(root, "git:HEAD")))
    return list(_log(root, rev_range, tuple(paths or ())))


@functools.lru_cache(maxsize=16)
def _head_commits(root: Path, paths: tuple[str, ...], head: str) -> tuple[CommitInfo, ...]:
    return _log(root, "HEAD", paths)


def _log(root: Path, rev_range: str, paths: tuple[str, ...]) -> tuple[CommitInfo, ...]:
    from ftspec.decisions import parse_trailers

    if rev_range == "HEAD" and not _born(root):
        return ()
    fmt = _SEP.join(["%H", "%an <%ae>", "%aI", "%s", "%(trailers:only,unfold)"]) + _END
    out = _run(root, "log", f"--format={fmt}", rev_range, "--", *(paths or []))
    result = []
    for record in out.split(_END):
        parts = record.strip("\n").split(_SEP)
        if len(parts) == 5:
            sha, author, date, subject, trailers = parts
            result.append(CommitInfo(sha, author, date, subject, tuple(parse_trailers(trailers))))
    return tuple(result)


def show_file(root: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` (relative to the work tree) at ``rev``, or None when it is not there."""
    try:
        data = _git(root, "cat-file", "blob", f"{rev}:{path}")
    except GitError:
        return None
    return data.decode("utf-8", errors="replace")


def changed_files(root: Path, base: str, head: str) -> list[tuple[str, str]]:
    """(status letter, path) of every file that differs between two commits."""
    out = _run(root, "diff", "--name-status", "-z", "--no-renames", base, head)
    fields = [f for f in out.split("\0") if f]
    return list(zip(fields[0::2], fields[1::2], strict=False))


def file_history(root: Path, path: str, rev: str = "HEAD") -> list[tuple[str, str]]:
    """(sha, text) of ``path`` at each commit in ``rev``'s history that changed it, oldest first."""
    versions = path_blobs(root, path, rev)
    texts = blob_texts(root, [blob for _, blob in versions])
    return [(sha, text) for (sha, _), (_, text) in zip(versions, texts, strict=True)]


def path_blobs(root: Path, path: str, rev: str = "HEAD") -> list[tuple[str, str]]:
    """(commit sha, blob id) of ``path`` at each commit in ``rev``'s history that changed it, oldest first.

    Two git processes whatever the length of the history: the blob ids name each version, so what was
    computed from one version can be cached under its id and the text read only when needed."""
    return [(sha, blob) for sha, blob, _size in path_blob_sizes(root, path, rev)]


def path_blob_sizes(root: Path, path: str, rev: str = "HEAD") -> list[tuple[str, str, int]]:
    """:func:`path_blobs` with each blob's size in bytes (git reads it from the object's header)."""
    if rev == "HEAD" and not _born(root):
        return []
    shas = _run(root, "log", "--reverse", "--format=%H", rev, "--", path).split()
    if not shas:
        return []
    query = "".join(f"{sha}:{path}\n" for sha in shas)
    out = _run(root, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", stdin=query)
    found = [line.split() for line in out.splitlines()]
    return [(sha, parts[0], int(parts[2])) for sha, parts in zip(shas, found, strict=True)
            if len(parts) == 3 and parts[1] == "blob"]


def blob_id(data: bytes | memoryview, like: str) -> str:
    """The id git gives a blob of ``data`` in a repository whose ids look like ``like`` (SHA-1, or SHA-256 in a
    repository made with --object-format=sha256): equal ids mean equal bytes, with nothing read from git."""
    import hashlib

    digest = (hashlib.sha256 if len(like) == 64 else hashlib.sha1)(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def blob_texts(root: Path, blobs: list[str]) -> Iterator[tuple[str, str]]:
    """(blob id, text) of each blob in order, streamed from one `git cat-file --batch`: a long history never
    sits in memory whole."""
    stream = blob_data(root, blobs)
    try:
        for blob, data in stream:
            yield blob, data.decode("utf-8", errors="replace")
    finally:
        stream.close()  # a reader that stopped early: git is stopped now, not when the stream is collected


def blob_data(root: Path, blobs: list[str]) -> Generator[tuple[str, bytes], None, None]:
    """(blob id, bytes) of each blob in order, as :func:`blob_texts`."""
    import subprocess
    import threading

    if not blobs:
        return
    try:
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed. install git and try again") from None
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        with contextlib.suppress(OSError):  # a reader that stopped early closed the pipe
            stdin.write("".join(f"{blob}\n" for blob in blobs).encode())
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for blob in blobs:
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitError(f"git cannot read blob {blob}: {b' '.join(header).decode(errors='replace')}. "
                               "run `git fsck` on the repository")
            data = stdout.read(int(header[2]))
            stdout.read(1)  # the newline after each object
            yield blob, data
    finally:
        proc.kill()
        proc.wait()
        writer.join()
        stdout.close()


def _born(root: Path) -> bool:
    """Whether HEAD names a commit, from .git's files when they answer (no git process)."""
    import os
    import re

    sha = head_sha(root, "git:HEAD")
    if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha) and not os.environ.get("GIT_DIR"):
        return True
    try:
        _run(root, "rev-parse", "--verify", "-q", "HEAD")
    except GitError:
        return False
    return True


def is_shallow(root: Path) -> bool:
    """Whether the clone lacks history (CI checkouts default to depth 1): git keeps the cut-off commits in
    .git/shallow (read from the file, without GitPython or a git process, unless GIT_DIR redirects git)."""
    import os

    found = None if os.environ.get("GIT_DIR") else _repository(root.resolve())
    if found is None:
        return _run(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    try:
        return (_common_dir(found[1]) / "shallow").stat().st_size > 0
    except OSError:
        return False


@contextlib.contextmanager
def checkout(root: Path, rev: str) -> Iterator[Path]:
    """A detached temporary worktree at ``rev`` (with history, for history gates); removed afterwards.

    Only .git/worktrees bookkeeping changes: the user's work tree, index and HEAD are never touched.
    """
    sha = rev_parse(root, rev)
    with tempfile.TemporaryDirectory(prefix="ftspec-review-") as tmp:
        dest = Path(tmp) / sha[:12]
        _run(root, "worktree", "add", "--detach", "--quiet", str(dest), sha)
        try:
            yield dest
        finally:
            with contextlib.suppress(GitError):
                _run(root, "worktree", "remove", "--force", str(dest))
            with contextlib.suppress(GitError):
                _run(root, "worktree", "prune")


def merge_base(root: Path, base: str, head: str) -> str:
    """The best common ancestor of two commits."""
    return _run(root, "merge-base", base, head).strip()


def message_trailers(root: Path, message: str) -> list[tuple[str, str]]:
    """The trailers git itself finds in a commit message (comment lines stripped, as commit does)."""
    from ftspec.decisions import parse_trailers

    cleaned = "\n".join(line for line in message.splitlines() if not line.startswith("#"))
    out = _run(root, "interpret-trailers", "--parse", "--unfold", stdin=cleaned)
    return parse_trailers(out)


def staged_text(root: Path, path: str) -> str | None:
    """The staged (index) text of ``path``, or None when it is not in the index."""
    import git

    try:
        return str(_repo(root).git.show(f":{path}"))
    except git.GitCommandError:
        return None


def tracked(root: Path, pattern: str) -> list[str]:
    """Tracked paths matching a git pathspec, relative to the work tree."""
    out = _run(root, "ls-files", "-z", "--", pattern)
    return [p for p in out.split("\0") if p]


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks (honours core.hooksPath)."""
    path = Path(_run(root, "rev-parse", "--git-path", "hooks").strip())
    return path if path.is_absolute() else work_tree(root) / path


def source_commit(path: Path) -> str | None:
    """The sha of HEAD in the repository containing ``path``, or None outside any repository."""
    tree = repo_root(path)
    return head_commit(tree) if tree is not None else None


def is_dirty(path: Path) -> bool | None:
    """Whether the work tree has uncommitted changes (None outside any repository)."""
    import git

    try:
        return bool(git.Repo(path, search_parent_directories=True).is_dirty(untracked_files=False))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
