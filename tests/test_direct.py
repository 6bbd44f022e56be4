"""ftspec.direct: after an edit no project gate reads, the stale built-in gates run without pytest and give the
results and exit code the pytest path gives."""

from __future__ import annotations

import json
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


DISTRESS = "gates/test_career_coach.py::test_distress_is_a_safety_gate"


def _both_paths(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                hybrid: bool = False, session: bool = True) -> tuple[Any, Any]:
    """The check of ``project`` without pytest (``hybrid``: without a full pytest session; ``session=False``:
    without any pytest session, the project gates that rerun called as plain functions), and of an identical
    copy through pytest."""
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)

    def no_pytest(*args: Any) -> Any:
        raise AssertionError("pytest was started" if not hybrid else "the full pytest session was started")

    with monkeypatch.context() as patch:
        patch.setattr(check_module, "_run_pytest", no_pytest)
        if not hybrid:
            patch.setattr(check_module, "_project_rerun", lambda *args: no_pytest)
        if not session:  # in the forked child: a session started there fails the check as an internal error
            patch.setattr(check_module, "_session", no_pytest)
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


def test_an_edit_a_project_gate_reads_reruns_just_that_gate(
    checked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is a plain function of ftspec's fixtures and passes: called without any pytest session (see
    ftspec.plain_gates), with the results, exit code and replay the pytest path gives."""
    _append(checked / "config" / "rubric.yaml", "# a comment\n")  # test_distress_is_a_safety_gate reads it
    hints = check_module.ManifestHints.read(checked)
    options = CheckOptions(path=checked)
    signature = check_module.run_signature(hints, options)
    plan = check_module.ResultCache(checked).plan(signature)
    assert plan is not None
    assert [nodeid for nodeid, gate_id, result in plan if result is None and not gate_id] == [DISTRESS]
    assert ftspec.direct.run_direct(checked, hints, options, signature, check_module.ResultCache(checked)) is None
    hybrid, through_pytest = _both_paths(checked, tmp_path, monkeypatch, hybrid=True, session=False)
    assert hybrid == through_pytest
    assert hybrid[0] == 0
    stored = [json.loads((p / ".ftspec" / "cache" / "gates.json").read_text())["projects"][DISTRESS]
              for p in (checked, tmp_path / "twin")]
    files = [{k: v for k, v in entry["inputs"].items() if v != "directory"} for entry in stored]
    assert files[0] == files[1]  # what a replay depends on, recorded as pytest records it (the hybrid's Project
    # read the rubric for this gate, after stat-ing its folder; the full session's, for a built-in gate before)
    assert "file:config/rubric.yaml" in stored[0]["inputs"]
    replayed = run_check(CheckOptions(path=checked)).results
    assert DISTRESS in [r.id for r in replayed]
    assert all(r.cached for r in replayed)  # the gate's result and the built-in gates' were both kept


def test_a_project_gate_that_is_not_plain_reruns_in_a_session(
    checked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its module overrides ftspec's rubric fixture: called as a plain function it would get ftspec's rubric and
    pass; pytest gives it its own, which now fails it."""
    (checked / "gates" / "test_own.py").write_text(
        "from pathlib import Path\n\nimport pytest\n\n\n@pytest.fixture\ndef rubric():\n"
        "    return (Path(__file__).parent.parent / 'config' / 'reader.txt').read_text()\n\n\n"
        "def test_own(rubric):\n    assert rubric != 'bad'\n")
    (checked / "config" / "reader.txt").write_text("good")
    run_check(CheckOptions(path=checked))  # records the run with the new gate
    (checked / "config" / "reader.txt").write_text("bad")
    hybrid, through_pytest = _both_paths(checked, tmp_path, monkeypatch, hybrid=True)
    assert hybrid == through_pytest
    assert hybrid[0] == 1
    assert ("gates/test_own.py::test_own", "failed") in [(name, outcome) for name, outcome, *_ in hybrid[1]]


def test_a_project_gate_that_now_fails_fails_alike(checked: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    rubric = checked / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("distress", "unease"), encoding="utf-8")
    hybrid, through_pytest = _both_paths(checked, tmp_path, monkeypatch, hybrid=True)
    assert hybrid == through_pytest
    assert hybrid[0] == 1
    assert any(outcome == "failed" and name == DISTRESS for name, outcome, *_ in hybrid[1])


def test_a_project_gate_session_that_ends_abnormally_leaves_the_check_to_pytest(
    checked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gate that ends the process: the full session reports it, as it would have without the hybrid."""
    (checked / "gates" / "test_reader.py").write_text(
        "import os\nfrom pathlib import Path\n\n\ndef test_reads():\n"
        "    if (Path(__file__).parent.parent / 'config' / 'reader.txt').read_text() == 'bad':\n        os._exit(3)\n")
    (checked / "config" / "reader.txt").write_text("good")
    run_check(CheckOptions(path=checked))  # records the run with the new gate
    (checked / "config" / "reader.txt").write_text("bad")
    calls: list[str] = []
    real_rerun, real_full = check_module._project_rerun, check_module._run_pytest

    def rerun(*args: Any) -> Any:
        inner = real_rerun(*args)
        return lambda nodeids, project: (calls.append("hybrid"), inner(nodeids, project))[1]

    def full(*args: Any) -> Any:
        calls.append("full")
        return real_full(*args)

    monkeypatch.setattr(check_module, "_project_rerun", rerun)
    monkeypatch.setattr(check_module, "_run_pytest", full)
    run = run_check(CheckOptions(path=checked))
    assert calls == ["hybrid", "full"]
    assert run.exit_code == 1
    assert [r.id for r in run.results if r.outcome == "failed"] == ["ftspec.check"]
    assert "ended before it was complete" in run.results[-1].findings[0].message


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
