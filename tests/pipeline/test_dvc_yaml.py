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
                missing = [k for k in keys or [] if not _has(data, k)]  # no keys: the whole file
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


# What each stage reads from the spec files: every one of these must be a DVC parameter of the stage (or lie under
# one), so a change to it reruns the stage. None: the stage reads the whole file.
READS = {
    "generate": {"ftspec.yaml": ["backends.user_simulator", "backends.assistant", "pipeline.generate"]},
    "assess": {"ftspec.yaml": ["backends.judges"]},
    "split": {"ftspec.yaml": ["pipeline.split", "token_budget"], "config/training.yaml": ["base_model", "data"]},
    "base-eval": {
        "ftspec.yaml": ["pipeline.eval", "pipeline.generate.seed", "backends.judges", "backends.user_simulator"],
        "config/training.yaml": ["base_model"],
    },
    "train": {"ftspec.yaml": ["pipeline.train"], "config/training.yaml": None},
    "evaluate": {
        "ftspec.yaml": ["pipeline.eval", "pipeline.generate.seed", "backends.judges", "backends.user_simulator"],
        "config/training.yaml": ["base_model"],
    },
}


def _declared(stage: dict[str, Any], prefix: str) -> dict[str, list[str] | None]:
    out: dict[str, list[str] | None] = {}
    for entry in stage.get("params", []):
        for file, keys in entry.items():
            if file.startswith(prefix):
                out[file[len(prefix) :]] = keys
    return out


def test_every_parameter_a_stage_reads_is_a_dependency() -> None:
    """The template's pipeline; the root demo's, where tiny-run.yaml replaces values: test_root_overrides.py."""
    dvc_yaml = PIPELINES[1]
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    prefix = ""
    for name, reads in READS.items():
        declared = _declared(stages[name], prefix)
        for file, keys in reads.items():
            assert file in declared, f"{name}: no params from {file}"
            have = declared[file]
            if have is None:
                continue  # the whole file
            assert keys is not None, f"{name}: reads all of {file} but depends on {have} only"
            missing = [k for k in keys if not any(k == h or k.startswith(h + ".") for h in have)]
            assert not missing, f"{name}: reads {missing} from {file} without depending on them"


def test_dvc_accepts_both_pipelines_and_titles_every_plot(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from ftspec.templates import template_dir

    dvc = Path(sys.executable).parent / "dvc"
    if not dvc.exists():
        pytest.skip("dvc is not installed (the pipeline extra)")
    project = tmp_path / "p"
    shutil.copytree(template_dir("worked-example"), project)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([str(dvc), "init", "-q"], cwd=project, check=True)
    done = subprocess.run([str(dvc), "stage", "list"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) >= set(READS)
    for path in PIPELINES:
        titles = [next(iter(p)) for p in yaml.safe_load(path.read_text())["plots"]]
        assert len(titles) == 3 and not any("/" in t for t in titles)  # titles, not file paths


def test_the_committed_dvc_lock_is_current_with_the_sources_it_names() -> None:
    """A source a stage depends on, changed without a root `dvc repro`, leaves dvc.lock stale: a user's first
    `dvc repro` then reruns that stage and every one after it (the training included)."""
    import json
    import subprocess
    import sys

    dvc = Path(sys.executable).parent / "dvc"
    if not dvc.exists() or not (ROOT / ".git").exists():
        pytest.skip("dvc is not installed (the pipeline extra), or this is no git checkout")
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    tracked = set(listed.stdout.split())
    done = subprocess.run([str(dvc), "status", "--json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    stale = [
        f"{stage}: {path}"
        for stage, entries in json.loads(done.stdout or "{}").items()
        for entry in entries if isinstance(entry, dict)
        for path, state in entry.get("changed deps", {}).items()
        if state != "deleted" and (path in tracked or any(t.startswith(f"{path}/") for t in tracked))
    ]
    assert not stale, f"dvc.lock is stale for {stale}: run `dvc repro` at the repository root, commit dvc.lock"
