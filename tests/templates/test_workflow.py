"""The GitHub Actions workflow the templates ship: check on pull requests, review into the job summary."""

from __future__ import annotations

from pathlib import Path

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


def test_init_scaffolds_the_workflow(tmp_path: Path) -> None:
    init(tmp_path / "p", "worked-example", git_mode=False)
    assert (tmp_path / "p" / ".github" / "workflows" / "ftspec.yml").is_file()
