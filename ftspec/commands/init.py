"""`ftspec init`: scaffold a project from a template, never overwriting a file; optionally install hooks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ftspec import git
from ftspec.commands.schema import write_schemas
from ftspec.decisions import decision_trailers
from ftspec.dvc import dvc_command
from ftspec.dvc import init as init_dvc
from ftspec.errors import UsageError
from ftspec.paths import safe_write
from ftspec.project import MANIFEST
from ftspec.templates import template_dir, template_names

SCHEMA_DIR = ".ftspec/schema"
SKIP = {"__pycache__", ".pytest_cache", ".git", ".ftspec"}  # .ftspec: caches; init writes its schemas
HOOKS = ("pre-commit", "commit-msg", "pre-push")
# The hooks as `repo: local` entries: they run the ftspec installed in the environment that runs pre-commit, so
# they need no published tag (a `rev` must name a tag that exists; local hooks have none to get wrong). Keep the
# ids, entries and files patterns in step with .pre-commit-hooks.yaml (tests/commands/test_adopt.py compares them).
HOOK_FILES = r"(^|/)(ftspec\.yaml|conftest\.py|pytest\.ini|pyproject\.toml|tox\.ini|setup\.cfg)$|\.(ya?ml|md|py)$"
LOCAL_HOOKS: tuple[dict[str, object], ...] = (
    {"id": "ftspec-check", "name": "ftspec check", "entry": "ftspec hook check", "language": "system",
     "files": HOOK_FILES, "require_serial": True, "stages": ["pre-commit", "pre-merge-commit", "pre-push", "manual"]},
    {"id": "ftspec-decision-trailer", "name": "ftspec decision trailer", "entry": "ftspec hook commit-msg",
     "language": "system", "stages": ["commit-msg"], "always_run": True},
)
PRE_COMMIT_HEADER = """\
# ftspec's hooks: gates on every commit that changes a spec file, Decision-Id trailers on decision commits.
# They run the `ftspec` installed where pre-commit runs (`repo: local`); `pre-commit install` installs both
# stages (default_install_hook_types below).
"""


def list_templates() -> int:
    for name in template_names():
        print(name)
    return 0


def planned_files(source: Path) -> list[Path]:
    """Template files as paths relative to the template root."""
    return sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file() and not SKIP & set(p.parts))


def init(directory: Path, template: str, git_mode: bool | None = None, hooks: str | None = None,
         adopt: bool = False, dvc: bool = False) -> int:
    """Copy the template into ``directory``; commit when it is not inside a repository (or ``git_mode`` is True).

    ``git_mode``: None decides by whether ``directory`` is already inside a repository; True always creates a
    repository there (a nested one inside another checkout); False never touches git. ``hooks`` installs ftspec's
    hooks too (on an existing project: only the hooks). ``dvc`` runs `dvc init` too (on an existing project:
    only that), before the scaffold commit so that the commit holds DVC's files. The scaffold commit carries a
    Decision-Id trailer for each decision the template's sidecar records, so the decision gates pass from the start.
    """
    dvc_cmd = dvc_command() if dvc else None  # before anything is written: a missing dvc leaves no half-done init
    if adopt:
        from ftspec.commands.adopt import adopt as adopt_existing

        adopt_existing(directory, template)
        return _existing(directory, hooks, dvc_cmd)
    if (hooks or dvc_cmd) and (directory / MANIFEST).is_file():
        return _existing(directory, hooks, dvc_cmd)  # an existing project: hooks and DVC only
    source = template_dir(template)
    files = planned_files(source)
    conflicts = [rel for rel in files if (directory / rel).exists()]
    if conflicts:
        listed = ", ".join(str(c) for c in conflicts[:10]) + (" ..." if len(conflicts) > 10 else "")
        raise UsageError(f"{directory}: {len(conflicts)} files already exist ({listed}). nothing was written; "
                         "to adopt an existing project in place run `ftspec init --adopt`, or init into an empty "
                         "directory")
    inside_repo = git.repo_root(_existing_ancestor(directory.resolve()))
    directory.mkdir(parents=True, exist_ok=True)
    for rel in files:  # never through a symlink already in DIR
        safe_write(directory, rel, (source / rel).read_bytes(), exclusive=True)
    write_schemas(directory / SCHEMA_DIR, root=directory)
    print(f"created {len(files)} files in {directory} from template '{template}'")
    if hooks == "pre-commit":
        _write_pre_commit_config(directory)
    if git_mode or (git_mode is None and inside_repo is None):
        git.init_repository(directory)
        if dvc_cmd:
            print(init_dvc(directory, dvc_cmd))
        message, trailers = initial_commit(directory, template)
        sha = git.commit_all(directory, message, trailers)
        print(f"initialised git repository, commit {sha[:10]}")
    elif dvc_cmd:
        print(init_dvc(directory, dvc_cmd, commit_hint=True))
    if hooks == "git":
        install_hooks(directory, hooks)
    print(f"next: cd {directory} && ftspec check")
    return 0


def _existing(directory: Path, hooks: str | None, dvc_cmd: list[str] | None) -> int:
    """On a project that exists: install the hooks and set up DVC, as asked."""
    if hooks:
        install_hooks(directory, hooks)
    if dvc_cmd:
        print(init_dvc(directory, dvc_cmd, commit_hint=True))
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
    """Write .pre-commit-config.yaml, or merge ftspec's hooks into an existing one (comments and order kept)."""
    from ftspec.commands.adopt import write_new

    path = directory / ".pre-commit-config.yaml"
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link. nothing was written; add the ftspec hooks to its target by "
                         "hand or replace the link with the file")
    if not path.exists():
        write_new(directory, path.name, _fresh_pre_commit_config(directory).encode())
        print(f"wrote {path}; run `pre-commit install` to activate it")
        return
    added = merge_pre_commit_config(path)
    if added:
        print(f"added {', '.join(added)} to {path} (a `repo: local` entry); run `pre-commit install --hook-type "
              "pre-commit --hook-type commit-msg` to activate them")
    else:
        print(f"{path} already has ftspec's hooks: left as it is")


def _hook_for(directory: Path, hook: dict[str, object]) -> dict[str, object]:
    """A hook entry whose `files` also matches the spec files an adopted manifest moved off the default paths."""
    from ftspec.commands.adopt import manifest_paths

    out = dict(hook)
    moved = sorted(p for p in manifest_paths(directory / MANIFEST).values() if not p.startswith(("config/", "..")))
    if "files" in out and moved:
        out["files"] = f"{out['files']}|^({'|'.join(re.escape(p) for p in moved)})$"
    return out


def _fresh_pre_commit_config(directory: Path) -> str:
    from io import StringIO

    from ruamel.yaml import YAML

    out = StringIO()
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump({"default_install_hook_types": ["pre-commit", "commit-msg"],
               "repos": [{"repo": "local", "hooks": [_hook_for(directory, h) for h in LOCAL_HOOKS]}]}, out)
    return PRE_COMMIT_HEADER + out.getvalue()


def merge_pre_commit_config(path: Path) -> list[str]:
    """Add the ftspec hooks an existing config lacks, as a `repo: local` entry; returns the ids added."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML()  # round trip: the user's comments, order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # pre-commit's own documented layout
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path}{line}: not valid YAML. nothing was written; fix it and rerun") from None
    if data is None:
        data = yaml.load("repos: []\n")
    repos = data.get("repos") if hasattr(data, "get") else None
    if not isinstance(repos, list):
        raise UsageError(f"{path}: no `repos:` list. nothing was written; add `repos: []` and rerun")
    present = {str(h.get("id")) for r in repos if hasattr(r, "get") for h in r.get("hooks") or [] if hasattr(h, "get")}
    missing = [_hook_for(path.parent, h) for h in LOCAL_HOOKS if h["id"] not in present]
    if not missing:
        return []
    local = next((r for r in repos if hasattr(r, "get") and r.get("repo") == "local"), None)
    if local is None:
        repos.append({"repo": "local", "hooks": missing})
    else:
        local.setdefault("hooks", []).extend(missing)
    if "commit-msg" not in (data.get("default_install_hook_types") or ["pre-commit"]):
        data["default_install_hook_types"] = [*(data.get("default_install_hook_types") or ["pre-commit"]),
                                              "commit-msg"]
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return [str(h["id"]) for h in missing]


def hooks_source() -> Path:
    """hooks/ in a checkout, ftspec/_hooks in a wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "hooks", package / "_hooks"):
        if (candidate / "commit-msg").is_file():
            return candidate
    raise UsageError("ftspec's hook scripts are missing from this installation. reinstall ftspec")
