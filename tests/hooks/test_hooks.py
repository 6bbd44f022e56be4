"""Hooks: file patterns, the pre-commit framework for real, the plain git hooks, and `ftspec init --hooks`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ftspec.commands.init import init, initial_commit
from ftspec.errors import FtspecError
from ftspec.templates import template_dir
from tests.gitrepo import FIXTURES, git

ROOT = Path(__file__).resolve().parents[2]
HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
ENTRY = (
    "\n## TRAIN-004: Approach\n\n**Decision:** SFT\n**Date:** 2026-01-11\n"
    "**Step:** 5\n**Rationale:** Because.\n"
)

MUST_MATCH = [
    "ftspec.yaml",
    "proj/ftspec.yaml",
    "sidecar.yaml",
    "decision-log.md",
    "model-choice.md",
    "base-model-eval-results.md",
    "config/rubric.yaml",
    "config/input-taxonomy.yml",
    "a/b/config/prompts/user_sim.md",
    "config/system-prompt.md",
    "phase-2-training/training-spec.md",
    "gates/test_tone.py",
    "dvc.yaml",
    "params.yaml",
    # a manifest may move any artifact (`paths:`), gates live in subfolders, conftest.py changes how they run
    "specs/rubric.yaml",
    "docs/model.md",
    "gates/sub/test_x.py",
    "gates/helpers.py",
    "conftest.py",
    "proj/pytest.ini",
    "proj/pyproject.toml",
]
MUST_NOT_MATCH = [
    "ftspec.yaml.bak",
    "gates/sub/test_x.txt",
    "data/train.jsonl",
    "data/train.parquet",
    "notes/decision-log.md.orig",
    "config/rubric.json",
    "models/adapter.safetensors",
]


@pytest.mark.parametrize("path", MUST_MATCH)
def test_check_hook_matches_spec_files(path: str) -> None:
    assert re.search(HOOKS["ftspec-check"]["files"], path)


@pytest.mark.parametrize("path", MUST_NOT_MATCH)
def test_check_hook_ignores_other_files(path: str) -> None:
    assert not re.search(HOOKS["ftspec-check"]["files"], path)


def test_plain_hook_uses_the_same_pattern() -> None:
    script = (ROOT / "hooks" / "pre-commit").read_text()
    assert re.search(r"grep -E '([^']+)'", script).group(1) == HOOKS["ftspec-check"]["files"]  # type: ignore[union-attr]


def test_hooks_declare_the_pre_commit_version_their_stage_names_need() -> None:
    """`stages: [pre-commit, pre-push]` are pre-commit >= 3.2 names; older versions reject the manifest."""
    assert all(h["minimum_pre_commit_version"] == "3.2.0" for h in HOOKS.values())


def test_trailer_hook_runs_at_commit_msg() -> None:
    assert HOOKS["ftspec-decision-trailer"]["stages"] == ["commit-msg"]
    assert HOOKS["ftspec-decision-trailer"]["always_run"] is True


def test_own_config_runs_ftspec_on_the_worked_example_offline() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"])  # nothing to download
    assert "spec-templates/worked-example" in hooks["ftspec-worked-example"]["entry"]


def project_repo(path: Path) -> Path:
    shutil.copytree(template_dir("worked-example"), path)
    git(path, "init", "-q", "-b", "main")
    return path


def scaffold_trailers(repo: Path) -> list[str]:
    """`--trailer` arguments for the worked example's decisions, as `ftspec init` commits them."""
    return [f"--trailer={key}: {value}" for key, value in initial_commit(repo, "worked-example")[1]]


def add_entry(repo: Path) -> None:
    with (repo / "decision-log.md").open("a") as f:
        f.write(ENTRY)
    git(repo, "add", "decision-log.md")


def commit(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the session: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
def test_pre_commit_framework_for_real(tmp_path: Path, pre_commit_home: Path) -> None:
    """pre-commit builds ftspec from this repository's committed HEAD and runs both hooks."""
    rev = git(ROOT, "rev-parse", "HEAD").strip()
    repo = project_repo(tmp_path / "proj")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: ftspec-check\n"
        "      - id: ftspec-decision-trailer\n"
    )
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)}
    pre_commit = [sys.executable, "-m", "pre_commit"]

    def run_all() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit, "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True
        )

    passed = run_all()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    rubric = repo / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    failed = run_all()
    assert failed.returncode == 1 and "config/rubric.yaml:5" in failed.stdout
    git(repo, "checkout", "--", "config/rubric.yaml")
    subprocess.run(
        [*pre_commit, "install", "-t", "pre-commit", "-t", "commit-msg"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    assert commit(repo, "-m", "scaffold", *scaffold_trailers(repo), env=env).returncode == 0
    add_entry(repo)
    rejected = commit(repo, "-m", "add TRAIN-004", env=env)
    assert (
        rejected.returncode != 0
        and "decision TRAIN-004 is added without" in rejected.stdout + rejected.stderr
    )
    accepted = commit(repo, "-m", "add TRAIN-004", "--trailer", "Decision-Id: TRAIN-004", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.fixture
def ftspec_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ftspec` on PATH runs this checkout, as the plain hooks expect."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "ftspec"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m ftspec "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.slow
def test_plain_git_hooks(tmp_path: Path, ftspec_on_path: None) -> None:
    repo = project_repo(tmp_path / "proj")
    assert init(repo, "worked-example", hooks="git") == 0
    assert (repo / ".git" / "hooks" / "commit-msg").stat().st_mode & 0o111
    git(repo, "add", "-A")
    assert commit(repo, "-m", "scaffold", *scaffold_trailers(repo)).returncode == 0
    rubric = repo / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    git(repo, "add", "-A")
    broken = commit(repo, "-m", "break the rubric")
    assert broken.returncode != 0 and "config/rubric.yaml:5" in broken.stdout + broken.stderr
    git(repo, "reset", "-q", "--hard")
    add_entry(repo)
    assert "without a `Decision-Id: TRAIN-004` trailer" in commit(repo, "-m", "add").stderr
    assert commit(repo, "-m", "add", "--trailer", "decision-id: train-004").returncode == 0




def test_decide_through_plain_git_hooks(tmp_path: Path, ftspec_on_path: None) -> None:
    """decide's own commit runs the hooks, which run ftspec while decide's journal exists."""
    repo = project_repo(tmp_path / "proj")
    init(repo, "worked-example", hooks="git")
    git(repo, "add", "-A")
    assert commit(repo, "--no-verify", "-m", "scaffold", *scaffold_trailers(repo)).returncode == 0
    decided = subprocess.run(
        ["ftspec", "decide", "TRAIN-004", "--title", "PEFT", "--choice", "QLoRA", "--rationale", "One GPU."],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert decided.returncode == 0, decided.stderr  # its own commit passes both hooks, which run ftspec too


def test_git_hooks_never_overwrite_foreign_ones(tmp_path: Path) -> None:
    repo = project_repo(tmp_path / "proj")
    (repo / ".git" / "hooks" / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(FtspecError, match="pre-push already exist"):
        init(repo, "worked-example", hooks="git")
    assert not (repo / ".git" / "hooks" / "commit-msg").exists()


def test_init_hooks_pre_commit_writes_config(tmp_path: Path) -> None:
    repo = project_repo(tmp_path / "proj")
    init(repo, "worked-example", hooks="pre-commit")
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["ftspec-check", "ftspec-decision-trailer"]
    assert config["default_install_hook_types"] == ["pre-commit", "commit-msg"]
    before = (repo / ".pre-commit-config.yaml").read_text()
    assert init(repo, "worked-example", hooks="pre-commit") == 0  # already there: merged, nothing added
    assert (repo / ".pre-commit-config.yaml").read_text() == before


def test_initial_commit_carries_the_template_decisions(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "decisions", tmp_path / "p")
    message, trailers = initial_commit(tmp_path / "p", "t")
    assert trailers == [("Decision-Id", "TRAIN-001"), ("Decision-Step", "5")] and "TRAIN-001" in message


@pytest.mark.parametrize("template", ["worked-example", "rag-only"])
def test_scaffolded_project_passes_every_gate_with_history(tmp_path: Path, template: str) -> None:
    """`ftspec init` commits the template's decisions with trailers: the history gates pass from the start."""
    from ftspec.gates.registry import all_gates
    from ftspec.gates.runner import run_gate
    from ftspec.project import Project

    init(tmp_path / "new", template)
    assert "Decision-Id: ARCH-001" in git(tmp_path / "new", "log", "-1", "--format=%B")
    for gate_id, gate in all_gates().items():
        result = run_gate(gate, Project(tmp_path / "new"))
        want = (
            ("passed",)
            if gate_id in ("decisions.committed", "decisions.immutable")
            else ("passed", "skipped")
        )
        assert result.outcome in want, (gate_id, result.reason, [f.render() for f in result.findings])


@pytest.mark.slow
def test_try_repo_runs_the_hook_on_custom_paths_and_conftest(tmp_path: Path, pre_commit_home: Path) -> None:
    """`pre-commit try-repo` on this working tree (uncommitted changes included): the hook manifest and its
    `files:` pattern work in a project that moved its rubric (`paths:`) and has a conftest.py."""
    repo = project_repo(tmp_path / "proj")
    (repo / "specs").mkdir()
    (repo / "config" / "rubric.yaml").rename(repo / "specs" / "rubric.yaml")
    manifest = repo / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "paths:\n  rubric: specs/rubric.yaml\n")
    (repo / "conftest.py").write_text("")
    rubric = repo / "specs" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)}
    # One call (each try-repo builds a fresh hook environment): conftest.py alone selects the project, whose
    # check then reports the broken rubric at its custom path.
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "ftspec-check", "--files", "conftest.py"],
        cwd=repo, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 1 and "specs/rubric.yaml:5" in done.stdout, done.stdout + done.stderr
    assert "internal error" not in done.stdout and "Traceback" not in done.stdout
