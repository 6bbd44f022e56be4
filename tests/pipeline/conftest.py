"""A copy of the worked example shrunk to a CPU run, and a tiny model built locally once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ftspec.templates import template_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ftspec.pipeline import tiny_base

    out = tmp_path_factory.mktemp("tiny") / "tiny-base"
    assert tiny_base.main(["--out", str(out), "--vocab", "512"]) == 0
    return out


def overrides(tiny: Path, **extra: object) -> dict:
    data = yaml.safe_load((ROOT / "tiny-run.yaml").read_text())
    data["training"]["base_model"] = str(tiny)
    data["manifest"]["pipeline"]["generate"]["conversations"] = 16
    data["manifest"]["pipeline"]["eval"]["personas"] = 4
    data["manifest"]["pipeline"]["train"]["max_steps"] = 4
    for key, value in extra.items():
        data[key] = value
    return data


@pytest.fixture
def work(tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd = a fresh run directory holding project/ (the worked example) and tiny.yaml."""
    shutil.copytree(template_dir("worked-example"), tmp_path / "project")
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(overrides(tiny_model)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def args(*extra: str) -> list[str]:
    return ["--project", "project", "--overrides", "tiny.yaml", "--data", "data", *extra]
