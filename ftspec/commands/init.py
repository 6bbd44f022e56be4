"""`ftspec init`: scaffold a project from a template, never overwriting a file."""

from __future__ import annotations

import shutil
from pathlib import Path

from ftspec import git
from ftspec.commands.schema import write_schemas
from ftspec.errors import UsageError
from ftspec.templates import template_dir, template_names

SCHEMA_DIR = ".ftspec/schema"
SKIP = {"__pycache__", ".pytest_cache", ".git"}


def list_templates() -> int:
    for name in template_names():
        print(name)
    return 0


def planned_files(source: Path) -> list[Path]:
    """Template files as paths relative to the template root."""
    return sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file() and not SKIP & set(p.parts))


def init(directory: Path, template: str, git_mode: bool | None = None) -> int:
    """Copy the template into ``directory``; commit when it is not inside a repository (or ``git_mode`` is True).

    ``git_mode``: None decides by whether ``directory`` is already inside a repository; True always creates a
    repository there (a nested one inside another checkout); False never touches git.
    """
    source = template_dir(template)
    files = planned_files(source)
    conflicts = [rel for rel in files if (directory / rel).exists()]
    if conflicts:
        listed = ", ".join(str(c) for c in conflicts[:10]) + (" ..." if len(conflicts) > 10 else "")
        raise UsageError(f"{directory}: {len(conflicts)} files already exist ({listed}). nothing was written; "
                         "move them away or init into an empty directory")
    inside_repo = git.repo_root(_existing_ancestor(directory.resolve()))
    directory.mkdir(parents=True, exist_ok=True)
    for rel in files:
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, directory / rel)
    write_schemas(directory / SCHEMA_DIR)
    print(f"created {len(files)} files in {directory} from template '{template}'")
    if git_mode or (git_mode is None and inside_repo is None):
        sha = git.init_and_commit(directory, f"Scaffold ftspec project from template '{template}'")
        print(f"initialised git repository, commit {sha[:10]}")
    print(f"next: cd {directory} && ftspec check")
    return 0


def _existing_ancestor(path: Path) -> Path:
    """The path itself or its nearest existing parent: a new subdirectory of a repository is inside it."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
