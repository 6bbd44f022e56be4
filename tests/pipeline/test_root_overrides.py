"""The root demo (dvc.yaml over the template, with tiny-run.yaml as --overrides) loses no `dvc exp run -S` unseen.

A key tiny-run.yaml sets is a DVC parameter only under tiny-run.yaml; under the spec files each stage lists only
keys that reach it. The spec files are also deps, so `-S` on a replaced key reruns the stage, which names it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.pipeline.common import load_spec
from tests.pipeline.conftest import ROOT
from tests.pipeline.test_dvc_yaml import READS

TEMPLATE = "spec-templates/worked-example/"
SECTIONS = {"manifest": "ftspec.yaml", "training": "config/training.yaml"}  # tiny-run.yaml section -> spec file
Path_ = tuple[str, ...]


def _leaves(data: Any, where: Path_ = ()) -> Iterator[Path_]:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaves(value, (*where, str(key)))
    else:
        yield where


def _get(data: Any, where: Path_) -> Any:
    for key in where:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _overlap(a: Path_, b: Path_) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def _covered(leaf: Path_, declared: list[Path_]) -> bool:
    return any(leaf[: len(d)] == d for d in declared)


def _stages() -> dict[str, Any]:
    stages: dict[str, Any] = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    return stages


def _params(stage: dict[str, Any], file: str) -> list[Path_] | None:
    for entry in stage.get("params", []):
        if file in entry:
            keys = entry[file]
            return [()] if keys is None else [tuple(k.split(".")) for k in keys]
    return None


TINY = yaml.safe_load((ROOT / "tiny-run.yaml").read_text())
REPLACED = {file: list(_leaves(TINY.get(section) or {})) for section, file in SECTIONS.items()}


def test_every_spec_parameter_the_demo_lists_reaches_its_stage() -> None:
    for name, stage in _stages().items():
        for file, replaced in REPLACED.items():
            for key in _params(stage, TEMPLATE + file) or []:
                hit = [".".join(r) for r in replaced if _overlap(key, r)]
                assert not hit, f"{name}: {file}:{'.'.join(key)} is replaced by tiny-run.yaml ({hit}); list it there"


def test_every_value_a_stage_reads_is_a_parameter_of_one_file() -> None:
    """Each leaf a stage reads, from the spec merged with tiny-run.yaml, is a parameter where its value comes from."""
    stages = _stages()
    for name, reads in READS.items():
        for file, keys in reads.items():
            spec = yaml.safe_load((ROOT / TEMPLATE / file).read_text())
            section = next(s for s, f in SECTIONS.items() if f == file)
            tiny = _params(stages[name], "tiny-run.yaml") or []
            mine = _params(stages[name], TEMPLATE + file) or []
            for key in keys or [""]:
                where = tuple(key.split(".")) if key else ()
                for leaf in _leaves(_get(spec, where), where):
                    hits = [r for r in REPLACED[file] if _overlap(leaf, r)]
                    for r in hits:  # the value comes from tiny-run.yaml
                        assert _covered((section, *r), tiny), f"{name}: tiny-run.yaml:{section}.{'.'.join(r)}"
                    if not hits:  # the value comes from the spec
                        assert _covered(leaf, mine), f"{name}: {file}:{'.'.join(leaf)} is not a parameter"


def test_the_spec_files_a_stage_reads_are_its_deps() -> None:
    """So `-S` on a key tiny-run.yaml replaces (no parameter, so DVC would skip the stage) reruns it."""
    for name, reads in READS.items():
        deps = set(_stages()[name].get("deps", []))
        assert {TEMPLATE + file for file in reads} <= deps, name


def test_each_replaced_value_is_a_notice_naming_both_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / TEMPLATE, project, ignore=shutil.ignore_patterns(".ftspec", "__pycache__"))
    over = tmp_path / "over.yaml"
    over.write_text("manifest:\n  pipeline:\n    generate: {conversations: 5, seed: 7, max_turns: 4}\n"
                    "training:\n  sft:\n    learning_rate: 1.0e-3\n")
    load_spec(project, over)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"ftspec: notice: {over} replaces 2 spec values (to change one, set it in {over}):"
    assert out[1:] == [  # seed 7 is the spec's own value, max_turns a key the spec lacks: neither replaces
        f"  {over}:3: manifest.pipeline.generate.conversations: 5 replaces 1000 of {project}/ftspec.yaml:32",
        f"  {over}:6: training.sft.learning_rate: 0.001 replaces 0.0002 of {project}/config/training.yaml:20",
    ]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
           "GIT_CONFIG_NOSYSTEM": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep)}
    for var in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{var}_NAME"], env[f"GIT_{var}_EMAIL"] = "Test", "test@example.com"
    return env


def _demo(tmp_path: Path) -> Path:
    """The root demo's files in a fresh git + DVC repository (the stages depend on ftspec's own sources)."""
    repo = tmp_path / "demo"
    repo.mkdir()
    ignore = shutil.ignore_patterns(".ftspec", "__pycache__", "*.pyc")
    shutil.copytree(ROOT / "ftspec", repo / "ftspec", ignore=ignore)
    shutil.copytree(ROOT / TEMPLATE, repo / TEMPLATE, ignore=ignore)
    for name in ("dvc.yaml", "tiny-run.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, repo / name)
    for cmd in (["git", "init", "-q", "-b", "main"], ["dvc", "init", "-q"], ["git", "add", "-A"],
                ["git", "commit", "-qm", "demo"]):
        subprocess.run(cmd, cwd=repo, env=_env(tmp_path), check=True, capture_output=True)
    return repo


def _exp_run(repo: Path, tmp_path: Path, *sets: str) -> str:
    cmd = ["dvc", "exp", "run", *(a for s in sets for a in ("-S", s)), "generate"]
    done = subprocess.run(cmd, cwd=repo, env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def _generated(repo: Path) -> tuple[int, set[str]]:
    """(conversations the stage planned and kept, the fingerprints of the records: they hash the seed)."""
    metrics = json.loads((repo / "metrics" / "generate.json").read_text())
    rows = [json.loads(line) for line in (repo / "data" / "conversations.jsonl").read_text().splitlines()]
    return int(metrics["conversations"]), {r["fingerprint"] for r in rows}


@pytest.mark.skipif(shutil.which("dvc", path=str(Path(sys.executable).parent)) is None, reason="dvc (pipeline extra)")
def test_dvc_exp_run_set_reaches_the_stage_or_is_named(tmp_path: Path) -> None:
    repo = _demo(tmp_path)
    # A key tiny-run.yaml sets: set there, it reaches the stage.
    _exp_run(repo, tmp_path, "tiny-run.yaml:manifest.pipeline.generate.conversations=3")
    count, first = _generated(repo)
    assert count == 3
    # A key tiny-run.yaml does not set: set in the spec, it reaches the stage (every record is made again).
    _exp_run(repo, tmp_path, f"{TEMPLATE}ftspec.yaml:pipeline.generate.seed=11")
    count, second = _generated(repo)
    assert count == 3 and not first & second
    # A key tiny-run.yaml replaces, set in the spec: the stage reruns and says which value won, and where.
    out = _exp_run(repo, tmp_path, f"{TEMPLATE}ftspec.yaml:pipeline.generate.conversations=5")
    found = re.search(r"tiny-run\.yaml:(\d+): manifest\.pipeline\.generate\.conversations: 3 replaces 5 of "
                      rf"{re.escape(TEMPLATE)}ftspec\.yaml:(\d+)", out)
    assert found, out
    for name, line in (("tiny-run.yaml", found[1]), (f"{TEMPLATE}ftspec.yaml", found[2])):  # -S rewrote both
        assert "conversations" in (repo / name).read_text().splitlines()[int(line) - 1], (name, line)
    assert _generated(repo)[0] == 3
    shown = subprocess.run(["dvc", "exp", "show", "--json"], cwd=repo, env=_env(tmp_path), capture_output=True,
                           text=True, check=True).stdout
    listed = _listed_params(json.loads(shown))
    assert ("tiny-run.yaml", "manifest.pipeline.generate.conversations") in listed
    assert (f"{TEMPLATE}ftspec.yaml", "pipeline.generate.seed") in listed
    assert not any(f == f"{TEMPLATE}ftspec.yaml" and k.endswith("conversations") for f, k in listed)


def _listed_params(shown: Any) -> set[tuple[str, str]]:
    """(file, dotted key) of every parameter `dvc exp show --json` lists for the workspace."""
    out: set[tuple[str, str]] = set()
    for entry in shown:
        data = (entry.get("data") or {}) if isinstance(entry, dict) else {}
        for file, values in (data.get("params") or {}).items():
            for key in _leaves((values or {}).get("data") or {}):
                out.add((file, ".".join(key)))
    return out
