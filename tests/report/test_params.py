"""`ftspec review` shows parameter changes in ftspec.yaml and config/training.yaml, not only params.yaml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftspec.commands.review import review
from ftspec.report.params import changed_params, flatten
from ftspec.templates import template_dir
from tests.gitrepo import git


def test_flatten_names_every_leaf() -> None:
    assert flatten("a:\n  b: 1\n  c: [1, 2]\nd: x\n", "f") == {"a.b": 1, "a.c": [1, 2], "d": "x"}
    assert flatten(": : :\n\t-", "f.yaml") == {"f.yaml": "(unparsable)"}


def test_changed_params_name_the_file_as_dvc_does() -> None:
    base = {"params.yaml": "lr: 1\n", "config/training.yaml": "sft: {learning_rate: 0.1, seed: 1}\n"}
    head = {"params.yaml": "lr: 2\n", "config/training.yaml": "sft: {learning_rate: 0.2, seed: 1}\nnew: true\n"}
    assert changed_params(base, head) == [
        {"param": "lr", "base": 1, "head": 2},
        {"param": "config/training.yaml:new", "base": None, "head": True},
        {"param": "config/training.yaml:sft.learning_rate", "base": 0.1, "head": 0.2},
    ]


def test_review_shows_training_and_manifest_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(template_dir("worked-example"), repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    training = repo / "config" / "training.yaml"
    training.write_text(training.read_text().replace("learning_rate: 2.0e-4", "learning_rate: 1.0e-4"))
    manifest = repo / "ftspec.yaml"
    manifest.write_text(manifest.read_text().replace("generate: {conversations: 1000", "generate: {conversations: 500"))
    git(repo, "commit", "-q", "-am", "tune")
    capsys.readouterr()
    review("HEAD~1..HEAD", "json", repo)
    params = json.loads(capsys.readouterr().out)["params"]
    assert params == [
        {"param": "config/training.yaml:sft.learning_rate", "base": 0.0002, "head": 0.0001},
        {"param": "ftspec.yaml:pipeline.generate.conversations", "base": 1000, "head": 500},
    ]
    review("HEAD~1..HEAD", "md", repo)
    assert "| config/training.yaml:sft.learning_rate | 0.0002 | 0.0001 |" in capsys.readouterr().out
