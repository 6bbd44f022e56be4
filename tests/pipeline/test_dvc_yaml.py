"""Both dvc.yaml files name parameters that exist in the spec files and deps that exist or are produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.pipeline import STAGES
from tests.pipeline.conftest import ROOT

PIPELINES = [ROOT / "dvc.yaml", ROOT / "spec-templates" / "worked-example" / "dvc.yaml"]


def _has(data: Any, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _names(entries: list[Any]) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries]


@pytest.mark.parametrize("dvc_yaml", PIPELINES, ids=lambda p: str(p.relative_to(ROOT)))
def test_params_exist_in_the_files_they_name(dvc_yaml: Path) -> None:
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    for name, stage in stages.items():
        for entry in stage.get("params", []):
            for file, keys in entry.items():
                data = yaml.safe_load((dvc_yaml.parent / file).read_text())
                missing = [k for k in keys if not _has(data, k)]
                assert not missing, f"{name}: {file} lacks {missing}"


@pytest.mark.parametrize("dvc_yaml", PIPELINES, ids=lambda p: str(p.relative_to(ROOT)))
def test_deps_exist_or_come_from_an_earlier_stage(dvc_yaml: Path) -> None:
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    produced: set[str] = set()
    for name, stage in stages.items():
        assert stage["cmd"].startswith(f"ftspec run {name} ") and name in STAGES
        for dep in stage.get("deps", []):
            assert dep in produced or (dvc_yaml.parent / dep).exists(), f"{name}: {dep}"
        produced.update(_names(stage.get("outs", [])))


def test_init_scaffolds_the_pipeline() -> None:
    from ftspec.commands.init import planned_files
    from ftspec.templates import template_dir

    assert Path("dvc.yaml") in planned_files(template_dir("worked-example"))
