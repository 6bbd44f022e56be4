"""Finding a project without loading anything heavy: the manifest's name and the root search."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK

from ftspec.errors import ProjectNotFound, UsageError

MANIFEST = "ftspec.yaml"


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ftspec.yaml."""
    try:
        start = start.resolve()
        exists = start.exists()
    except (OSError, RuntimeError, ValueError):
        raise ProjectNotFound(f"{escaped(str(start))}: cannot be resolved (a symlink loop, or a NUL in the "
                              "name). give the path of a project") from None
    if not exists:
        raise ProjectNotFound(f"{escaped(str(start))}: no such file or directory. give the path of a project")
    for candidate in (start, *start.parents) if start.is_dir() else start.parents:
        manifest = candidate / MANIFEST
        if manifest.is_file():
            return candidate
        if os.path.lexists(manifest):  # a directory, FIFO or dangling link by that name is not "no project"
            what = "a dangling link" if not manifest.exists() else (not_regular(manifest) or "a directory")
            raise ProjectNotFound(f"{escaped(str(manifest))}: is {what}, not a file. make {MANIFEST} the "
                                  "project's manifest file")
    raise ProjectNotFound(f"{escaped(str(start))}: no {MANIFEST} here or above. run `ftspec init --adopt` to adopt an "
                          "existing project in place (`ftspec init` scaffolds a new one)")


HASH_BELOW = 1 << 20


def stamp(path: Path) -> str:
    """What decides whether a cached gate result still holds: the content hash of a small file (spec files;
    immune to same-size edits within one mtime tick), size and mtime of a large one (datasets), 'directory' or
    'missing'."""
    try:
        stat = path.stat()  # one stat answers what is there: the cache stamps many files per check
        if S_ISDIR(stat.st_mode):
            return "directory"  # read as "it exists": a listing of it is an input of its own
        if stat.st_size < HASH_BELOW and S_ISREG(stat.st_mode):
            return f"{stat.st_size}:{hashlib.blake2b(path.read_bytes(), digest_size=12).hexdigest()}"
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def relative(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` after following links; by name when it leads outside or cannot be
    resolved (a loop, a NUL)."""
    try:
        return str((_below(root, path) or path.resolve()).relative_to(root))
    except (ValueError, OSError, RuntimeError):
        lexical = os.path.normpath(path)
        return os.path.relpath(lexical, root) if "\0" not in lexical else escaped(lexical)


# -- confinement: what ftspec reads stays inside the project, what it writes never goes through a link ---------


def outside(root: Path, path: Path, allowed: Sequence[str] = ()) -> str:
    """"" when ``path`` (after following every symlink) lies inside ``root`` or under one of the ``allowed``
    locations (``allow_outside`` in ftspec.yaml, absolute or relative to the root); else where it leads.
    ``root`` is resolved (a project's root always is)."""
    try:
        target = _below(root, path) or path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return f"{path.name} (a symlink loop)"
    except ValueError:  # a NUL in the name
        return escaped(str(path))
    found = str(target)
    for base in (root, *(_resolved(root, a) for a in allowed)):
        if base is not None and (found == str(base) or found.startswith(os.path.join(str(base), ""))):
            return ""
    return found


def _below(root: Path, path: Path) -> Path | None:
    """``path`` itself when it is written below ``root`` and no part of it after ``root`` is a link (a few
    lstat calls instead of resolving every folder up to /); None when it has to be resolved."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    if "\0" in str(path):
        return None  # resolve() says what is wrong with it
    current = root
    for part in parts:
        current = current / part
        if part == ".." or os.path.islink(current):
            return None
    return path


def _resolved(root: Path, location: str) -> Path | None:
    try:
        return (root / location).resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def escaped(text: str) -> str:
    """A path as one printable line: control characters (a newline in a file name) escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def not_regular(path: Path) -> str:
    """"" for a regular file (or a missing one); else what it is: a FIFO, a device or a socket never reaches
    a reader (opening a FIFO blocks; /dev/zero never ends)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return ""
    return "" if S_ISREG(mode) or S_ISDIR(mode) else _kind(mode)


def _kind(mode: int) -> str:
    if S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    if S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class ReadRefused(OSError):
    """A file that is not a regular file, or grows past the limit while it is read."""


class UnsafeWrite(UsageError, OSError):
    """A write that would go through a symbolic link (or over a file that exists); the message says which."""


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit`` (the size is enforced while reading, not trusted from
    stat: a link to /dev/zero has size 0). ReadRefused otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not S_ISREG(info.st_mode):
            raise ReadRefused(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise ReadRefused(f"file is {info.st_size / 1e6:.0f} MB, over the {limit // 2**20} MB limit")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ReadRefused(f"file is over the {limit // 2**20} MB limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def safe_write(root: Path, rel: str | Path, data: bytes, exclusive: bool = False) -> Path:
    """Write ``root/rel`` without following a symlink anywhere below ``root`` (a link in a cloned repository
    must not redirect a write outside it). Folders are created; OSError (ReadRefused for a link) otherwise.
    The file is written to a temporary name and renamed into place, so a reader never sees half of it."""
    path = root / rel
    folder = root
    for part in Path(rel).parent.parts:
        folder = folder / part
        if folder.is_symlink():
            raise UnsafeWrite(f"{escaped(str(folder))}: is a symbolic link; nothing was written through it. "
                              "replace the link with a folder")
        if not folder.exists():
            folder.mkdir()
    if path.is_symlink() or (exclusive and os.path.lexists(path)):
        link = " as a symbolic link" if path.is_symlink() else ""
        raise UnsafeWrite(f"{escaped(str(path))}: already exists{link}; nothing was written to it. move it away")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
