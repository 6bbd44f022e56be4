"""A project cannot turn its own check green: it ends early, deselects gates or reconfigures pytest -- and fails.

Every case starts from the worked example with a broken rubric (rubric.threshold fails), so a check that exits
0 was fooled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.commands.check import CheckOptions, run_check
from ftspec.commands.hook import hook_check
from ftspec.report.model import CheckRun


@pytest.fixture
def broken(worked: Path) -> Path:
    rubric = worked / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    (worked / "gates").mkdir(exist_ok=True)
    return worked


def check(project: Path, **kwargs: object) -> CheckRun:
    return run_check(CheckOptions(path=project, cache=False, **kwargs))  # type: ignore[arg-type]


def outcome(run: CheckRun, gate_id: str) -> str:
    return next(r.outcome for r in run.results if r.id == gate_id)


def messages(run: CheckRun) -> str:
    return "\n".join(f.render() for r in run.results for f in r.findings)


EXITS = {
    "in a gate": ("gates/test_exit.py", "import os\n\ndef test_exit():\n    os._exit(0)\n"),
    "at import": ("gates/test_exit.py", "import os\nos._exit(0)\n"),
    "in a conftest": ("conftest.py", "import os\n\ndef pytest_collection_finish(session):\n    os._exit(0)\n"),
    "via atexit": ("gates/test_exit.py", "import atexit, os\natexit.register(os._exit, 0)\n"
                   "def test_ok():\n    pass\n"),
    "at sessionfinish": ("conftest.py", "import os\n\ndef pytest_sessionfinish(session):\n    os._exit(0)\n"),
}


@pytest.mark.parametrize("case", list(EXITS))
def test_a_project_that_exits_early_fails_the_check(broken: Path, case: str) -> None:
    rel, source = EXITS[case]
    (broken / rel).write_text(source)
    run = check(broken)
    assert run.exit_code == 1
    text = messages(run)
    if case != "via atexit":  # an atexit handler never runs in the session's process: the check completes
        assert "ended before it was complete" in text
        assert all(":1:1:" in f.render() for r in run.results if r.id == "ftspec.check" for f in r.findings)
    else:
        assert outcome(run, "rubric.threshold") == "failed"


CONFIGS = {
    "pytest.ini": "[pytest]\naddopts = {}\n",
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"{}\"\n",
    "setup.cfg": "[tool:pytest]\naddopts = {}\n",
    "tox.ini": "[pytest]\naddopts = {}\n",
}


@pytest.mark.parametrize(("name", "addopts"), [("pytest.ini", "--collect-only"), ("pyproject.toml", "-k zzz"),
                                               ("setup.cfg", "-p no:ftspec"), ("tox.ini", "-x --co")])
def test_the_projects_pytest_configuration_cannot_change_the_check(broken: Path, name: str, addopts: str) -> None:
    (broken / name).write_text(CONFIGS[name].format(addopts))
    run = check(broken)
    assert run.exit_code == 1
    assert outcome(run, "rubric.threshold") == "failed"


def test_pytest_addopts_from_the_environment_are_ignored(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "--collect-only")
    run = check(broken)
    assert outcome(run, "rubric.threshold") == "failed"


def test_a_conftest_that_deselects_builtin_gates_fails_the_check(broken: Path) -> None:
    (broken / "conftest.py").write_text(
        "def pytest_collection_modifyitems(config, items):\n"
        "    items[:] = [i for i in items if 'rubric' not in i.nodeid]\n")
    run = check(broken)
    assert run.exit_code == 1
    assert "did not run" in messages(run)
    assert "rubric" in messages(run)


def test_a_conftest_that_turns_on_collect_only_fails_the_check(broken: Path) -> None:
    (broken / "conftest.py").write_text("def pytest_configure(config):\n    config.option.collectonly = True\n")
    run = check(broken)
    assert run.exit_code == 1


def test_keyword_selection_still_requires_the_selected_gates(worked: Path) -> None:
    (worked / "conftest.py").write_text(
        "def pytest_collection_modifyitems(config, items):\n    items.clear()\n")
    run = check(worked, keyword="taxonomy")
    assert run.exit_code == 1
    assert "taxonomy" in messages(run)


def test_a_looping_gate_fails_after_its_time_limit_and_the_others_run(broken: Path) -> None:
    manifest = broken / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "check:\n  timeout: 1\n")
    (broken / "gates" / "test_slow.py").write_text(
        "import time\n\ndef test_sleeps():\n    time.sleep(30)\n\ndef test_loops():\n    while True:\n        pass\n")
    run = check(broken)
    assert run.exit_code == 1
    slow = [r for r in run.results if r.id.startswith("gates/test_slow.py")]
    assert [r.outcome for r in slow] == ["failed", "failed"]
    for result in slow:
        (finding,) = result.findings
        assert "time limit of 1 s" in finding.message
        assert finding.path == "gates/test_slow.py"  # the gate's own line, never ftspec's source
    assert outcome(run, "rubric.threshold") == "failed"


def test_two_projects_with_same_named_gate_files_each_run_their_own(tmp_path: Path, worked: Path) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(worked, other)
    (worked / "gates").mkdir(exist_ok=True)
    (other / "gates").mkdir(exist_ok=True)
    (worked / "gates" / "test_own.py").write_text("def test_own():\n    pass\n")
    (other / "gates" / "test_own.py").write_text("def test_own():\n    assert False, 'B fails'\n")
    assert hook_check([worked / "ftspec.yaml", other / "ftspec.yaml"]) == 1
    assert check(other).exit_code == 1
