"""Finding a project without loading anything heavy: the manifest's name and the root search."""

from __future__ import annotations

from pathlib import Path

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
    raise ProjectNotFound(f"{start}: no {MANIFEST} here or above. run `ftspec init` to create a project")


def stamp(path: Path) -> str:
    """size:mtime_ns of a file, or 'missing': what decides whether a cached gate result still holds."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def relative(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path.resolve())
