"""`ftspec init`: scaffold a project from a template, never overwriting a file; optionally install hooks."""

from __future__ import annotations

import shutil
from pathlib import Path

from ftspec import __version__, git
from ftspec.commands.schema import write_schemas
from ftspec.decisions import decision_trailers
from ftspec.errors import UsageError
from ftspec.paths import safe_write
from ftspec.project import MANIFEST
from ftspec.templates import template_dir, template_names

SCHEMA_DIR = ".ftspec/schema"
SKIP = {"__pycache__", ".pytest_cache", ".git", ".ftspec"}  # .ftspec: caches; init writes its schemas
HOOKS = ("pre-commit", "commit-msg", "pre-push")
HOOK_REPO = "https://github.com/ftspec/ftspec"
PRE_COMMIT_CONFIG = """\
# ftspec's hooks: gates on every commit that changes a spec file, Decision-Id trailers on decision commits.
# Install both stages with `pre-commit install` (default_install_hook_types below).
default_install_hook_types: [pre-commit, commit-msg]
repos:
  - repo: {repo}
    rev: v{version}
    hooks:
      - id: ftspec-check
      - id: ftspec-decision-trailer
"""


def list_templates() -> int:
    for name in template_names():
        print(name)
    return 0


def planned_files(source: Path) -> list[Path]:
    """Template files as paths relative to the template root."""
    return sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file() and not SKIP & set(p.parts))


def init(directory: Path, template: str, git_mode: bool | None = None, hooks: str | None = None) -> int:
    """Copy the template into ``directory``; commit when it is not inside a repository (or ``git_mode`` is True).

    ``git_mode``: None decides by whether ``directory`` is already inside a repository; True always creates a
    repository there (a nested one inside another checkout); False never touches git. ``hooks`` installs ftspec's
    hooks too (on an existing project: only the hooks). The scaffold commit carries a Decision-Id trailer for
    each decision the template's sidecar records, so the decision gates pass from the start.
    """
    if hooks and (directory / MANIFEST).is_file():
        return install_hooks(directory, hooks)  # an existing project: hooks only
    source = template_dir(template)
    files = planned_files(source)
    conflicts = [rel for rel in files if (directory / rel).exists()]
    if conflicts:
        listed = ", ".join(str(c) for c in conflicts[:10]) + (" ..." if len(conflicts) > 10 else "")
        raise UsageError(f"{directory}: {len(conflicts)} files already exist ({listed}). nothing was written; "
                         "move them away or init into an empty directory")
    inside_repo = git.repo_root(_existing_ancestor(directory.resolve()))
    directory.mkdir(parents=True, exist_ok=True)
    for rel in files:  # never through a symlink already in DIR
        safe_write(directory, rel, (source / rel).read_bytes(), exclusive=True)
    write_schemas(directory / SCHEMA_DIR)
    print(f"created {len(files)} files in {directory} from template '{template}'")
    if hooks == "pre-commit":
        _write_pre_commit_config(directory)
    if git_mode or (git_mode is None and inside_repo is None):
        message, trailers = initial_commit(directory, template)
        sha = git.init_and_commit(directory, message, trailers)
        print(f"initialised git repository, commit {sha[:10]}")
    if hooks == "git":
        install_hooks(directory, hooks)
    print(f"next: cd {directory} && ftspec check")
    return 0


def _existing_ancestor(path: Path) -> Path:
    """The path itself or its nearest existing parent: a new subdirectory of a repository is inside it."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def initial_commit(directory: Path, template: str) -> tuple[str, list[tuple[str, str]]]:
    """The scaffold commit's message and one Decision-Id/Decision-Step pair per decision the template records,
    so the decision gates pass in a freshly scaffolded project."""
    decisions = _template_decisions(directory / "sidecar.yaml")
    message = f"Scaffold ftspec project from template '{template}'"
    if decisions:
        message += "\n\nRecords the template's decisions: " + ", ".join(d for d, _ in decisions) + "."
    trailers = [t for did, step in decisions for t in decision_trailers(did, step, None)]
    return message, trailers


def _template_decisions(sidecar: Path) -> list[tuple[str, str]]:
    if not sidecar.is_file():
        return []
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(sidecar.read_text(encoding="utf-8"))
    decisions = data.get("decisions") if isinstance(data, dict) else None
    return [(str(d["id"]), str(d.get("step", ""))) for d in decisions or []
            if isinstance(d, dict) and d.get("id")]


def install_hooks(directory: Path, kind: str) -> int:
    """`pre-commit`: write .pre-commit-config.yaml; `git`: copy hooks/ into the repository's hooks folder."""
    if kind == "pre-commit":
        _write_pre_commit_config(directory)
        return 0
    target = git.hooks_dir(directory.resolve())
    target.mkdir(parents=True, exist_ok=True)
    source = hooks_source()
    foreign = [name for name in HOOKS if (target / name).exists()
               and (target / name).read_bytes() != (source / name).read_bytes()]
    if foreign:
        raise UsageError(f"{target}: {', '.join(foreign)} already exist. nothing was installed; merge "
                         "them by "
                         f"hand with {source} or move them away")
    for name in HOOKS:
        shutil.copy2(source / name, target / name)
        (target / name).chmod(0o755)
    print(f"installed git hooks ({', '.join(HOOKS)}) in {target}; they call `ftspec` on PATH")
    return 0


def _write_pre_commit_config(directory: Path) -> None:
    path = directory / ".pre-commit-config.yaml"
    if path.exists():
        raise UsageError(f"{path} already exists. add the ftspec hooks to it by hand: repo {HOOK_REPO}, "
                         "ids ftspec-check and ftspec-decision-trailer")
    path.write_text(PRE_COMMIT_CONFIG.format(repo=HOOK_REPO, version=__version__), encoding="utf-8")
    print(f"wrote {path}; run `pre-commit install` to activate it")


def hooks_source() -> Path:
    """hooks/ in a checkout, ftspec/_hooks in a wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "hooks", package / "_hooks"):
        if (candidate / "commit-msg").is_file():
            return candidate
    raise UsageError("ftspec's hook scripts are missing from this installation. reinstall ftspec")
