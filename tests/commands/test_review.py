"""`ftspec review BASE..HEAD`: decisions, spec files, gate changes and DVC params, work tree untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftspec.commands.decide import DecideOptions, decide
from ftspec.commands.init import initial_commit
from ftspec.commands.review import review
from ftspec.errors import FtspecError
from ftspec.templates import template_dir
from tests.gitrepo import git


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    """BASE: worked example, a taxonomy weight broken; HEAD: taxonomy fixed, threshold broken, TRAIN-004."""
    repo = tmp_path / "repo"
    shutil.copytree(template_dir("worked-example"), repo)
    (repo / "dvc.yaml").write_text("stages: {}\n")
    (repo / "params.yaml").write_text("train:\n  lr: 0.0002\n  epochs: 3\n")
    taxonomy = repo / "config" / "input-taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("weight: 0.25", "weight: 0.30", 1))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    message, trailers = initial_commit(repo, "worked-example")
    git(repo, "commit", "-q", "-m", message, *[f"--trailer={k}: {v}" for k, v in trailers])
    git(repo, "tag", "base")
    taxonomy.write_text(taxonomy.read_text().replace("weight: 0.30", "weight: 0.25", 1))
    rubric = repo / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    (repo / "params.yaml").write_text("train:\n  lr: 0.0001\n  epochs: 3\n")
    git(repo, "commit", "-q", "-am", "tune")
    decide(
        DecideOptions("TRAIN-004", "Approach", "SFT", "Enough pairs.", supersedes="TRAIN-002", project=repo)
    )
    return repo


def test_review_json(pr_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    (pr_repo / "notes.md").write_text("uncommitted\n")
    before = git(pr_repo, "status", "--porcelain"), (pr_repo / ".git" / "index").read_bytes()
    assert review("base..HEAD", "json", pr_repo) == 1  # a gate newly fails
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data["decisions"]] == ["TRAIN-004"]
    assert data["decisions"][0]["commit"] == git(pr_repo, "rev-parse", "HEAD").strip()
    assert data["superseded"] == [{"id": "TRAIN-002", "by": "TRAIN-004"}]
    assert {f["path"] for f in data["spec_files"]} == {
        "config/input-taxonomy.yaml",
        "config/rubric.yaml",
        "params.yaml",
        "decision-log.md",
        "sidecar.yaml",
    }
    failing = {c["id"]: c for c in data["newly_failing"]}
    assert set(failing) == {
        "rubric.threshold",
        "base-eval.pass-rate",
    }  # the threshold also re-grades the base eval
    assert failing["rubric.threshold"]["findings"][0].startswith("config/rubric.yaml:5:")
    assert [c["id"] for c in data["fixed"]] == ["taxonomy.weights"]
    assert data["params"] == [{"param": "train.lr", "base": 0.0002, "head": 0.0001}]
    assert (git(pr_repo, "status", "--porcelain"), (pr_repo / ".git" / "index").read_bytes()) == before
    assert git(pr_repo, "worktree", "list").count("\n") == 1


def test_review_md(pr_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.md"
    review("base..HEAD", "md", pr_repo, out)
    text = out.read_text()
    for expected in (
        "### Decisions",
        "| TRAIN-004 | Approach | SFT |",
        "Superseded: TRAIN-002 (by TRAIN-004)",
        "- `M` config/rubric.yaml",
        "**Newly failing:**",
        "`rubric.threshold` (was passed)",
        "**Fixed:**",
        "`taxonomy.weights` (now passed)",
        "| train.lr | 0.0002 | 0.0001 |",
    ):
        assert expected in text, expected


def test_review_without_changes_passes(pr_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert review("HEAD..HEAD", "md", pr_repo) == 0
    out = capsys.readouterr().out
    assert "Still failing: `rubric.threshold`" in out and "Newly failing" not in out and "Fixed" not in out


@pytest.mark.parametrize("bad", ["HEAD", "nope..HEAD"])
def test_bad_ranges(pr_repo: Path, bad: str) -> None:
    with pytest.raises(FtspecError, match="not a range|unknown revision 'nope'"):
        review(bad, "md", pr_repo)
