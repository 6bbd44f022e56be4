"""The one module that runs DVC: `dvc init` for `ftspec init --dvc`; a missing or failing dvc is one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ftspec import git
from ftspec.errors import UsageError
from ftspec.extras import EXTRA_OF

INSTALL = f"pip install 'ftspec[{EXTRA_OF['dvc']}]'"


def dvc_command() -> list[str]:
    """How to run dvc: the dvc of ftspec's own environment (the pipeline extra), else a dvc on PATH."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec("dvc") is not None:
        return [sys.executable, "-m", "dvc"]
    found = shutil.which("dvc")
    if found is None:
        raise UsageError(f"dvc is not installed (the {EXTRA_OF['dvc']} extra). install it: {INSTALL}, and rerun")
    return [found]


def init_flags(directory: Path) -> list[str]:
    """`dvc init`'s flags for ``directory``: none at a git repository's top, --subdir inside one, --no-scm outside."""
    top = git.repo_root(directory.resolve())
    if top is None:
        return ["--no-scm"]
    return [] if top.resolve() == directory.resolve() else ["--subdir"]


def init(directory: Path, command: list[str], commit_hint: bool = False) -> str:
    """Run `dvc init` in ``directory`` (unless .dvc/ is there already); returns what to tell the user
    (``commit_hint``: that DVC's new files are to be committed, when ftspec does not commit them itself)."""
    if (directory / ".dvc").is_dir():
        return f"{directory / '.dvc'} already exists: DVC is set up there; left as it is"
    flags = init_flags(directory)
    done = subprocess.run([*command, "init", *flags], cwd=directory, capture_output=True, text=True)
    if done.returncode != 0:
        why = _error_line(done.stderr + done.stdout) or f"exit status {done.returncode}"
        raise UsageError(f"{directory}: `dvc init {' '.join(flags)}` failed: {why}. fix that and rerun "
                         "`ftspec init --dvc`")
    said = f"initialised DVC in {directory} (dvc init{''.join(' ' + f for f in flags)})"
    if flags == ["--no-scm"]:
        return said + ("; not a git repository, so DVC runs without git (no `dvc exp`): after `git init`, run "
                       "`dvc config core.no_scm false`")
    return said + ("; commit .dvc/ and .dvcignore" if commit_hint else "")


def _error_line(output: str) -> str:
    """DVC's own `ERROR: ...` line (the lines after it are a support footer)."""
    for line in output.splitlines():
        if line.startswith("ERROR:"):
            return line.removeprefix("ERROR:").strip().rstrip(".")
    return ""
