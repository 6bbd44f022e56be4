"""`ftspec init`: scaffolds from spec-templates/, commits in a new repository, never overwrites a file."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ftspec.commands.init import planned_files
from ftspec.templates import template_dir, template_names

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fixed author and date, and no user/system git config leaking in."""
    for key, value in {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_templates_available() -> None:
    assert {"blank", "worked-example"} <= set(template_names())


def test_init_new_directory_creates_a_repository_and_commits(ftspec: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "new-project"
    result = ftspec("init", str(target), "--template", "worked-example")
    assert result.exit_code == 0, result.output
    for rel in planned_files(template_dir("worked-example")):
        assert (target / rel).read_bytes() == (template_dir("worked-example") / rel).read_bytes()
    assert git(target, "log", "--format=%s") == "Scaffold ftspec project from template 'worked-example'"
    assert git(target, "status", "--porcelain") == ""
    tracked = set(git(target, "ls-files").splitlines())
    assert {"ftspec.yaml", "config/rubric.yaml", ".ftspec/schema/rubric.json"} <= tracked
    assert "initialised git repository" in result.stdout
    check = ftspec("check", str(target))
    assert check.exit_code == 0, check.stdout


def test_init_inside_an_existing_repository_does_not_commit(ftspec: Invoke, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README.md").write_text("mine\n")
    git(tmp_path, "add", "README.md")
    git(tmp_path, "commit", "-q", "-m", "first")
    result = ftspec("init", str(tmp_path / "spec"), "--template", "blank")
    assert result.exit_code == 0, result.output
    assert git(tmp_path, "rev-list", "--count", "HEAD") == "1"
    assert not (tmp_path / "spec" / ".git").exists()
    assert "spec/" in git(tmp_path, "status", "--porcelain")


def test_no_git_flag(ftspec: Invoke, tmp_path: Path) -> None:
    result = ftspec("init", str(tmp_path / "p"), "--no-git")
    assert result.exit_code == 0
    assert not (tmp_path / "p" / ".git").exists() and (tmp_path / "p" / "ftspec.yaml").is_file()


def test_conflicts_are_listed_and_nothing_is_written(ftspec: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "p"
    (target / "config").mkdir(parents=True)
    (target / "ftspec.yaml").write_text("project: mine\n")
    (target / "config/rubric.yaml").write_text("mine: true\n")
    before = sorted(p.relative_to(target) for p in target.rglob("*"))
    result = ftspec("init", str(target), "--template", "worked-example")
    assert result.exit_code == 4
    assert "2 files already exist (config/rubric.yaml, ftspec.yaml)" in result.stderr
    assert "nothing was written" in result.stderr
    assert sorted(p.relative_to(target) for p in target.rglob("*")) == before
    assert (target / "ftspec.yaml").read_text() == "project: mine\n"


def test_unknown_template_did_you_mean(ftspec: Invoke, tmp_path: Path) -> None:
    result = ftspec("init", str(tmp_path / "p"), "--template", "worked-exampel")
    assert result.exit_code == 4
    assert "unknown template 'worked-exampel'. did you mean 'worked-example'?" in result.stderr
    assert not (tmp_path / "p").exists()


def test_list_templates(ftspec: Invoke) -> None:
    result = ftspec("init", "--list")
    assert result.exit_code == 0
    assert result.stdout.split() == template_names()


def test_blank_fails_with_a_list_of_what_to_fill_in(ftspec: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "blank"
    assert ftspec("init", str(target), "--template", "blank").exit_code == 0
    result = ftspec("check", str(target))
    assert result.exit_code == 1
    findings = [ln.strip() for ln in result.stdout.splitlines() if ln.startswith("      ")]
    assert len(findings) >= 20
    for finding in findings:
        path, line, col, rest = finding.split(":", 3)
        assert (target / path).is_file() and int(line) > 0 and int(col) > 0, finding
        assert "not filled in yet. replace it with " in rest, finding
    files = {f.split(":")[0] for f in findings}
    assert files == {
        "ftspec.yaml",
        "sidecar.yaml",
        "model-choice.md",
        "base-model-eval-results.md",
        "config/input-taxonomy.yaml",
        "config/rubric.yaml",
        "config/persona-template.yaml",
        "config/system-prompt.md",
        "config/prompts/user_sim.md",
        "config/prompts/assistant.md",
        "config/training.yaml",
    }
    # gates that need an unfinished file wait for it and say which schema gate explains why
    assert "SKIP  rubric.binary  (config/rubric.yaml is invalid (see rubric.schema))" in result.stdout


def test_every_template_carries_schema_lines(tmp_path: Path) -> None:
    for name in template_names():
        root = template_dir(name)
        for rel in planned_files(root):
            if rel.suffix == ".yaml" or (rel.suffix == ".md" and (root / rel).read_text().startswith("---")):
                assert "# yaml-language-server: $schema=" in (root / rel).read_text(), f"{name}/{rel}"


def test_template_caches_are_not_copied(tmp_path: Path) -> None:
    from ftspec.commands.init import planned_files

    (tmp_path / ".ftspec" / "cache").mkdir(parents=True)
    (tmp_path / ".ftspec" / "cache" / "gates.json").write_text("{}")
    (tmp_path / "gates" / "__pycache__").mkdir(parents=True)
    (tmp_path / "gates" / "__pycache__" / "x.pyc").write_bytes(b"")
    (tmp_path / "ftspec.yaml").write_text("project: x\n")
    assert planned_files(tmp_path) == [Path("ftspec.yaml")]
