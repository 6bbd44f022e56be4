"""`ftspec init --dvc` runs the real `dvc init`: in the scaffold commit, idempotent, one line when dvc is missing."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.commands.test_init import git

Invoke = Callable[..., Result]
pytestmark = pytest.mark.skipif(importlib.util.find_spec("dvc") is None, reason="dvc (the pipeline extra)")


@pytest.fixture(autouse=True)
def quiet_dvc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fixed git identity, no user git config, and no DVC analytics from the tests."""
    for key, value in {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                       "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
                       "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                       "DVC_NO_ANALYTICS": "1"}.items():
        monkeypatch.setenv(key, value)


def test_a_new_project_holds_dvc_in_its_scaffold_commit(ftspec: Invoke, tmp_path: Path) -> None:
    project = tmp_path / "p"
    result = ftspec("init", str(project), "--dvc")
    assert result.exit_code == 0, result.output
    assert f"initialised DVC in {project} (dvc init)" in result.output
    assert (project / ".dvc" / "config").is_file()
    assert git(project, "status", "--porcelain") == ""  # nothing left to commit
    committed = git(project, "ls-files").splitlines()
    assert {".dvc/config", ".dvc/.gitignore", ".dvcignore", "dvc.yaml"} <= set(committed)
    listed = subprocess.run(["dvc", "stage", "list"], cwd=project, capture_output=True, text=True,
                            env=_env_with_venv())
    assert listed.returncode == 0 and "generate" in listed.stdout  # DVC reads the scaffolded pipeline


def test_rerun_on_an_existing_project_changes_nothing(ftspec: Invoke, tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert ftspec("init", str(project), "--dvc").exit_code == 0
    config = (project / ".dvc" / "config").read_bytes()
    again = ftspec("init", str(project), "--dvc")
    assert again.exit_code == 0, again.output
    assert f"{project / '.dvc'} already exists: DVC is set up there; left as it is" in again.output
    assert (project / ".dvc" / "config").read_bytes() == config and git(project, "status", "--porcelain") == ""


def test_an_existing_project_without_dvc_gets_only_dvc(ftspec: Invoke, tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert ftspec("init", str(project)).exit_code == 0
    result = ftspec("init", str(project), "--dvc")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"initialised DVC in {project} (dvc init); commit .dvc/ and .dvcignore"
    assert (project / ".dvc" / "config").is_file()


def test_inside_another_repository_dvc_gets_its_own_subdir(ftspec: Invoke, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    project = tmp_path / "repo" / "spec"
    result = ftspec("init", str(project), "--dvc")
    assert result.exit_code == 0, result.output
    assert "(dvc init --subdir); commit .dvc/ and .dvcignore" in result.output
    assert (project / ".dvc" / "config").is_file() and not (tmp_path / "repo" / ".dvc").exists()


def test_without_git_dvc_runs_without_scm_and_says_so(ftspec: Invoke, tmp_path: Path) -> None:
    project = tmp_path / "p"
    result = ftspec("init", str(project), "--dvc", "--no-git")
    assert result.exit_code == 0, result.output
    assert "(dvc init --no-scm); not a git repository" in result.output
    assert "dvc config core.no_scm false" in result.output
    assert "no_scm = True" in (project / ".dvc" / "config").read_text()
    assert not (project / ".git").exists()


def test_missing_dvc_is_one_line_naming_the_extra_and_writes_nothing(
    ftspec_main: Callable[..., tuple[int, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dvc" else real(name, *a))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    code, output = ftspec_main("init", str(tmp_path / "p"), "--dvc")
    assert code == 4
    assert output.strip() == ("ftspec: dvc is not installed (the pipeline extra). install it: "
                              "pip install 'ftspec[pipeline]', and rerun")
    assert not (tmp_path / "p").exists()  # a rerun after installing dvc starts clean


def test_a_failing_dvc_init_is_one_line(ftspec_main: Callable[..., tuple[int, str]], tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "ftspec.yaml").write_text("project: p\n")
    (project / ".dvc").write_text("not a folder\n")  # dvc init refuses a .dvc that is a file
    code, output = ftspec_main("init", str(project), "--dvc")
    assert code == 4 and len(output.strip().splitlines()) == 1, output
    assert output.startswith(f"ftspec: {project}: `dvc init --no-scm` failed: ") and "Traceback" not in output
    assert "File exists" in output and "rerun `ftspec init --dvc`" in output


def _env_with_venv() -> dict[str, str]:
    import os
    import sys

    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
