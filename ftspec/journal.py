"""A crash journal for multi-file changes: snapshots of files and the git index, restored on failure or kill.

`ftspec decide` writes the journal before it changes anything and deletes it once the commit exists. A process
killed in between (kill -9, power loss) leaves the journal behind; the next ftspec invocation finds it and
rolls back (the commit was not made) or rolls forward (the commit was made: only the journal is stale).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from ftspec.errors import FtspecError

JOURNAL = "ftspec-decide.journal"
LOCK = "ftspec-decide.lock"
FAULT_ENV = "FTSPEC_FAULT"
LOCK_WAIT = 60.0  # seconds a decide waits for another one to finish before it gives up


def fault(point: str) -> None:
    """Kill this process with SIGKILL when FTSPEC_FAULT names ``point`` (fault injection for tests)."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _synced_temp(path: Path, data: bytes) -> str:
    """A temp file beside ``path`` holding ``data``, flushed to disk; removed again if writing it fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (temp file in the same directory, fsync, os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    tmp = _synced_temp(path, data)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_exclusive(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data`` completely, or FileExistsError when it already exists (atomic)."""
    tmp = _synced_temp(path, data)
    try:
        os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _remove_temporaries(path: Path) -> None:
    """The `.name.*.tmp` files write_atomic leaves when it is killed between writing and renaming."""
    with contextlib.suppress(OSError):
        for tmp in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def decide_lock(git_dir: Path, wait: float = LOCK_WAIT) -> Iterator[bool]:
    """Hold the repository's decide lock (an flock on .git/ftspec-decide.lock, released by the kernel when
    the process dies, kill -9 included). ``wait`` seconds for another decide to finish, then FtspecError; with
    ``wait=0`` it yields False instead of waiting (recovery must never touch a decide in flight)."""
    fd = os.open(git_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                if wait <= 0:
                    yield False
                    return
                raise FtspecError(f"another `ftspec decide` has held {git_dir / LOCK} for {wait:g} s. "
                                  "let it finish, then run the command again")
            time.sleep(0.02)
        yield True
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: msvcrt locks the first byte
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _restore(path: Path, data: bytes | None) -> None:
    if data is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        write_atomic(path, data)


@dataclass
class Journal:
    """Snapshots of files and the index, persisted under the git directory while a change is in flight."""

    git_dir: Path
    index: Path
    head: str | None
    label: str
    files: dict[str, bytes | None] = field(default_factory=dict)
    index_data: bytes | None = None

    @property
    def path(self) -> Path:
        return self.git_dir / JOURNAL

    @classmethod
    def begin(cls, git_dir: Path, index: Path, head: str | None, label: str, files: list[Path]) -> Journal:
        """Snapshot ``files`` and the index and persist the journal before anything changes."""
        journal = cls(git_dir, index, head, label, {str(p): _read(p) for p in files}, _read(index))
        try:  # created exclusively (a link of a complete temp file): two decides never share one journal
            write_exclusive(journal.path, json.dumps(journal.to_json()).encode())
        except FileExistsError:
            raise FtspecError(
                f"{journal.path} exists: another ftspec decide is running or was interrupted. "
                "run the command again to recover"
            ) from None
        return journal

    def to_json(self) -> dict[str, Any]:
        enc = _encode
        return {
            "pid": os.getpid(),
            "label": self.label,
            "head": self.head,
            "index": str(self.index),
            "index_data": enc(self.index_data),
            "files": {k: enc(v) for k, v in self.files.items()},
        }

    @classmethod
    def load(cls, git_dir: Path) -> tuple[Journal, int] | None:
        path = git_dir / JOURNAL
        if not path.exists():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        journal = cls(
            git_dir,
            Path(raw["index"]),
            raw["head"],
            raw["label"],
            {k: _decode(v) for k, v in raw["files"].items()},
            _decode(raw["index_data"]),
        )
        return journal, int(raw["pid"])

    def rollback(self) -> None:
        """Put every snapshotted file and the index back exactly, remove the temporary files a killed write
        left beside them, then drop the journal."""
        for name, data in self.files.items():
            _restore(Path(name), data)
            _remove_temporaries(Path(name))
        _restore(self.index, self.index_data)
        self.finish()

    def finish(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _encode(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _decode(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_git_dir(start: Path) -> Path | None:
    """The .git directory at or above ``start`` holding a journal, found without running git (cheap)."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git if (dot_git / JOURNAL).exists() else None
        if dot_git.is_file():
            return None
    return None
