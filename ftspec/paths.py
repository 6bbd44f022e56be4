"""Finding a project without loading anything heavy: the manifest's name and the root search."""

from __future__ import annotations

import hashlib
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from ftspec.errors import ProjectNotFound

MANIFEST = "ftspec.yaml"


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ftspec.yaml."""
    start = start.resolve()
    if not start.exists():
        raise ProjectNotFound(f"{start}: no such file or directory. give the path of a project")
    for candidate in (start, *start.parents) if start.is_dir() else start.parents:
        if (candidate / MANIFEST).is_file():
            return candidate
    raise ProjectNotFound(f"{start}: no {MANIFEST} here or above. run `ftspec init --adopt` to adopt an existing "
                          "project in place (`ftspec init` scaffolds a new one)")


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
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def relative(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path.resolve())
