"""ftspec.direct: after an edit no project gate reads, the stale built-in gates run without pytest and give the
results and exit code the pytest path gives."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import ftspec.commands.check as check_module
import ftspec.direct
from ftspec.commands.check import CheckOptions, run_check
from tests.conftest import WORKED, copy_project
from tests.gitrepo import git


@pytest.fixture(scope="module")
def checked_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example with its own gates, committed with its decisions' trailers, checked once (so the
    cache holds a run record)."""
    project = copy_project(WORKED, tmp_path_factory.mktemp("direct") / "project", own_gates=True)
    ids = re.findall(r"^  - id: (\S+)$", (project / "sidecar.yaml").read_text(encoding="utf-8"), re.M)
    with pytest.MonkeyPatch.context() as patch:  # as tests.gitrepo.git_isolated, for the module's repository
        patch.setenv("GIT_CONFIG_GLOBAL", str(project.parent / "no-gitconfig"))
        git(project, "init", "-q", "-b", "main")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "worked example", *[f"--trailer=Decision-Id: {i}" for i in ids])
    run_check(CheckOptions(path=project))
    return project


@pytest.fixture
def checked(checked_once: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(checked_once, tmp_path / "project"))


def _summary(run: Any) -> tuple[int, list[tuple[Any, ...]]]:
    return run.exit_code, [(r.id, r.outcome, r.reason, r.phase, r.description, [f.render() for f in r.findings])
                           for r in run.results]


def _both_paths(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The check of ``project`` without pytest, and of an identical copy through pytest."""
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)

    def no_pytest(*args: Any) -> Any:
        raise AssertionError("pytest was started")

    with monkeypatch.context() as patch:
        patch.setattr(check_module, "_run_pytest", no_pytest)
        direct = run_check(CheckOptions(path=project))
    with monkeypatch.context() as patch:
        patch.setattr(ftspec.direct, "run_direct", lambda *args: None)
        through_pytest = run_check(CheckOptions(path=twin))
    return _summary(direct), _summary(through_pytest)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_an_edit_no_project_gate_reads_runs_without_pytest(
    checked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(checked / "config" / "training.yaml", "# a comment\n")
    direct, through_pytest = _both_paths(checked, tmp_path, monkeypatch)
    assert direct == through_pytest
    assert direct[0] == 0


def test_a_failing_built_in_gate_fails_alike(checked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _append(checked / "config" / "training.yaml", "bogus_key: 1\n")
    direct, through_pytest = _both_paths(checked, tmp_path, monkeypatch)
    assert direct == through_pytest
    assert direct[0] == 1
    assert any(outcome == "failed" and "bogus_key" in " ".join(findings) for _, outcome, *_, findings in direct[1])


def test_an_edit_a_project_gate_reads_needs_pytest(checked: Path) -> None:
    _append(checked / "config" / "rubric.yaml", "# a comment\n")  # test_distress_is_a_safety_gate reads it
    hints = check_module.ManifestHints.read(checked)
    options = CheckOptions(path=checked)
    cache = check_module.ResultCache(checked)
    assert cache.plan(check_module.run_signature(hints, options)) is None
    assert ftspec.direct.run_direct(checked, hints, options, check_module.run_signature(hints, options), cache) is None


@pytest.mark.parametrize("why", ["conftest", "exitfirst"])
def test_pytest_runs_when_it_could_run_the_items_differently(checked: Path, why: str) -> None:
    _append(checked / "config" / "training.yaml", "# a comment\n")
    options = CheckOptions(path=checked, exitfirst=why == "exitfirst")
    if why == "conftest":
        (checked / "gates" / "conftest.py").write_text("")
    hints = check_module.ManifestHints.read(checked)
    cache = check_module.ResultCache(checked)
    assert ftspec.direct.run_direct(checked, hints, options, check_module.run_signature(hints, options), cache) is None


def test_a_gate_that_raises_is_left_to_pytest(checked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _append(checked / "config" / "training.yaml", "# a comment\n")

    def broken(gate: Any, project: Any) -> Any:
        raise RuntimeError("a bug in a gate")

    monkeypatch.setattr("ftspec.gates.runner.run_gate", broken)
    hints = check_module.ManifestHints.read(checked)
    options = CheckOptions(path=checked)
    cache = check_module.ResultCache(checked)
    assert ftspec.direct.run_direct(checked, hints, options, check_module.run_signature(hints, options), cache) is None
