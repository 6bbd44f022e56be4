"""The gate-result cache reuses a result only while everything the gate read is unchanged."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ftspec import cache as cache_module
from ftspec.cache import CACHE_DIR, CACHE_FILE, ResultCache
from ftspec.commands.check import CheckOptions, run_check
from ftspec.report.model import CheckRun
from ftspec.results import GateResult
from tests.conftest import REPO, WORKED, copy_project


def run(project: Path, **kwargs: object) -> dict[str, GateResult]:
    """Built-in gate results by id."""
    results = run_check(CheckOptions(path=project, **kwargs)).results  # type: ignore[arg-type]
    return {r.id: r for r in results if r.phase != "project"}


def touch_later(path: Path) -> None:
    """Change a file's mtime for sure, even on file systems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_second_run_reuses_every_result(worked_example: Path) -> None:
    first = run(worked_example)
    assert (worked_example / CACHE_DIR / CACHE_FILE).is_file()
    assert not any(r.cached for r in first.values())
    second = run(worked_example)
    assert all(r.cached for r in second.values())
    assert {k: (r.outcome, r.findings) for k, r in first.items()} == {
        k: (r.outcome, r.findings) for k, r in second.items()
    }


def test_editing_a_file_reruns_only_the_gates_that_read_it(worked_example: Path) -> None:
    run(worked_example)
    rubric = worked_example / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    touch_later(rubric)
    results = run(worked_example)
    assert results["rubric.threshold"].outcome == "failed"
    assert not results["rubric.threshold"].cached
    assert results["taxonomy.weights"].cached  # never read the rubric


def test_a_new_optional_file_invalidates_the_skip(worked_example: Path) -> None:
    (worked_example / "sidecar.yaml").unlink(missing_ok=True)
    assert run(worked_example)["sidecar.schema"].outcome == "skipped"
    (worked_example / "sidecar.yaml").write_text("project_name: x\nunknown_key: 1\n")
    after = run(worked_example)["sidecar.schema"]
    assert not after.cached
    assert after.outcome == "failed"


def test_code_change_invalidates_everything(worked_example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(worked_example)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another-version")
    assert not any(r.cached for r in run(worked_example).values())


def test_no_cache_runs_every_gate_and_writes_nothing(worked_example: Path) -> None:
    results = run(worked_example, cache=False)
    assert not any(r.cached for r in results.values())
    assert not (worked_example / CACHE_DIR).exists()


def test_env_var_disables_the_cache(worked_example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTSPEC_NO_CACHE", "1")
    run(worked_example)
    assert not any(r.cached for r in run(worked_example).values())


def test_unknown_input_kind_is_never_reused(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    result = GateResult("x.y", "passed", inputs={"value:mystery:thing": "1"})
    cache.store(result)
    assert cache.lookup("x.y") is None


def test_git_head_input_follows_commits(tmp_path: Path) -> None:
    import git

    repo = git.Repo.init(tmp_path, initial_branch="main")
    (tmp_path / "a.txt").write_text("a")
    repo.git.add(A=True)
    repo.git.commit(m="first")
    cache = ResultCache(tmp_path)
    head = repo.head.commit.hexsha
    cache.store(GateResult("g", "passed", inputs={"value:git:HEAD": head}))
    assert cache.lookup("g") is not None
    (tmp_path / "b.txt").write_text("b")
    repo.git.add(A=True)
    repo.git.commit(m="second")
    assert cache.lookup("g") is None


def test_corrupt_cache_file_is_ignored(worked_example: Path) -> None:
    run(worked_example)
    (worked_example / CACHE_DIR / CACHE_FILE).write_text("{not json")
    results = run(worked_example)
    assert not any(r.cached for r in results.values())
    assert json.loads((worked_example / CACHE_DIR / CACHE_FILE).read_text())["format"] == cache_module.FORMAT


def test_read_only_project_still_checks(worked_example: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    worked_example.chmod(0o555)
    try:
        assert run(worked_example)["rubric.schema"].outcome == "passed"
    finally:
        worked_example.chmod(0o755)


# -- replaying a whole check without pytest -------------------------------------------------------------------


class PytestSpy:
    """Counts how often a check had to start a pytest session (instead of replaying), for the whole check or for
    the project gates whose inputs changed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import ftspec.commands.check_session as session_module

        self.calls = 0
        original = session_module.start_session

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(session_module, "start_session", counted)


@pytest.fixture
def own_gates(tmp_path: Path) -> Path:
    """The worked example with its own gates/ folder."""
    return copy_project(WORKED, tmp_path / "own", own_gates=True)


def write_gate(project: Path, name: str, body: str) -> None:
    (project / "gates" / name).write_text(textwrap.dedent(body))


def by_id(run_: CheckRun) -> dict[str, GateResult]:
    return {r.id: r for r in run_.results}


def test_an_unchanged_check_is_replayed_whole(own_gates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_check(CheckOptions(path=own_gates))
    spy = PytestSpy(monkeypatch)
    second = run_check(CheckOptions(path=own_gates))
    assert spy.calls == 0
    assert all(r.cached for r in second.results)
    assert [(r.id, r.outcome) for r in second.results] == [(r.id, r.outcome) for r in first.results]
    assert any(r.phase == "project" for r in second.results) and second.exit_code == first.exit_code == 0


def test_a_replayed_check_imports_neither_pytest_nor_pydantic(own_gates: Path) -> None:
    # Without fork the session runs in this process, where its imports can be seen.
    probe = ("import os, sys; del os.fork; from pathlib import Path; "
             "from ftspec.commands.check import CheckOptions, run_check; "
             f"run = run_check(CheckOptions(path=Path({str(own_gates)!r}))); "
             "print(run.exit_code, 'pytest' in sys.modules, 'pydantic.main' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    outputs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                              check=True).stdout.split() for _ in range(2)]
    assert outputs == [["0", "True", "True"], ["0", "False", "False"]]


def test_an_edited_spec_file_is_checked_again(own_gates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_check(CheckOptions(path=own_gates))
    spy = PytestSpy(monkeypatch)
    rubric = own_gates / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    results = by_id(run_check(CheckOptions(path=own_gates)))
    assert spy.calls == 1 and results["rubric.threshold"].outcome == "failed"


def test_a_new_gate_file_is_collected(own_gates: Path) -> None:
    run_check(CheckOptions(path=own_gates))
    write_gate(own_gates, "test_more.py", "def test_more(rubric):\n    assert rubric.criteria\n")
    assert by_id(run_check(CheckOptions(path=own_gates)))["gates/test_more.py::test_more"].outcome == "passed"


def test_a_file_a_project_gate_opened_is_an_input(own_gates: Path) -> None:
    (own_gates / "notes.txt").write_text("ok")
    write_gate(own_gates, "test_notes.py", """
        from pathlib import Path

        def test_notes_say_ok():
            assert (Path(__file__).parent.parent / "notes.txt").read_text() == "ok", "notes must say ok"
        """)
    run_check(CheckOptions(path=own_gates))
    (own_gates / "notes.txt").write_text("no")
    result = by_id(run_check(CheckOptions(path=own_gates)))["gates/test_notes.py::test_notes_say_ok"]
    assert result.outcome == "failed" and not result.cached


def test_a_file_a_project_gate_looked_for_is_an_input(own_gates: Path) -> None:
    write_gate(own_gates, "test_exists.py", """
        from pathlib import Path

        def test_no_todo_file():
            assert not (Path(__file__).parent.parent / "TODO").exists(), "resolve TODO first"
        """)
    run_check(CheckOptions(path=own_gates))
    (own_gates / "TODO").write_text("x")
    assert by_id(run_check(CheckOptions(path=own_gates)))["gates/test_exists.py::test_no_todo_file"].outcome == "failed"


@pytest.mark.parametrize("body", [
    "def test_writes(tmp_path):\n    (tmp_path / 'x').write_text('x')\n",
    "import pytest\n\n@pytest.mark.ftspec_no_cache\ndef test_marked():\n    pass\n",
    "import pytest\n\n@pytest.fixture(scope='module')\ndef wide():\n    return 1\n\ndef test_wide(wide):\n    pass\n",
], ids=["impure", "marked", "wide-fixture"])
def test_a_gate_that_cannot_be_replayed_always_runs(own_gates: Path, monkeypatch: pytest.MonkeyPatch,
                                                    body: str) -> None:
    write_gate(own_gates, "test_always.py", body)
    run_check(CheckOptions(path=own_gates))
    spy = PytestSpy(monkeypatch)
    results = run_check(CheckOptions(path=own_gates)).results
    assert spy.calls == 1
    assert [r.cached for r in results if r.id.startswith("gates/test_always.py")] == [False]
    assert all(r.cached for r in results if r.phase != "project")


def test_a_failing_project_gate_replays_its_failure(own_gates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_gate(own_gates, "test_fails.py", "def test_fails(rubric):\n    assert not rubric.criteria, 'no'\n")
    first = run_check(CheckOptions(path=own_gates))
    spy = PytestSpy(monkeypatch)
    second = run_check(CheckOptions(path=own_gates))
    assert spy.calls == 0 and second.exit_code == first.exit_code == 1
    failed = [r for r in second.results if r.outcome == "failed"]
    assert [(r.id, r.findings) for r in failed] == [(r.id, r.findings) for r in first.results if r.outcome == "failed"]


def test_options_that_change_the_run_are_not_replayed_from_another(own_gates: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    run_check(CheckOptions(path=own_gates))
    spy = PytestSpy(monkeypatch)
    only = run_check(CheckOptions(path=own_gates, keyword="rubric"))
    assert spy.calls == 1 and only.results and all("rubric" in r.id for r in only.results)
    assert [r.id for r in run_check(CheckOptions(path=own_gates, keyword="rubric")).results] == [
        r.id for r in only.results]
    assert spy.calls == 1
    junit = own_gates / "junit.xml"
    run_check(CheckOptions(path=own_gates, junitxml=str(junit)))
    assert spy.calls == 1 and junit.is_file()  # JUnit is written from the replayed results


def test_a_rerun_builds_only_the_models_its_gates_read(worked_example: Path) -> None:
    run(worked_example)
    rubric = worked_example / "config" / "rubric.yaml"
    rubric.write_text(rubric.read_text() + "# edited\n")
    # Without fork the session runs in this process, where its imports can be seen.
    probe = ("import os, sys; del os.fork; from pathlib import Path; "
             "from ftspec.commands.check import CheckOptions, run_check; "
             f"run = run_check(CheckOptions(path=Path({str(worked_example)!r}))); "
             "print(sorted(m for m in sys.modules if m.startswith('ftspec.models.')))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    models = set(ast.literal_eval(loaded.stdout))
    assert "ftspec.models.rubric" in models
    assert not models & {"ftspec.models.persona", "ftspec.models.training", "ftspec.models.sidecar"}, models


def test_a_helper_module_the_gates_import_is_an_input(own_gates: Path) -> None:
    """Python reads a helper's cached bytecode and only stats its source: the replay must still notice edits."""
    (own_gates / "lib").mkdir()
    (own_gates / "lib" / "limits.py").write_text("MAX_CRITERIA = 100\n")
    write_gate(own_gates, "test_limits.py", """
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).parent.parent / "lib"))
        from limits import MAX_CRITERIA

        def test_few_criteria(rubric):
            assert len(rubric.criteria) <= MAX_CRITERIA, "too many criteria"
        """)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO)

    def check() -> int:
        cmd = [sys.executable, "-m", "ftspec", "check", str(own_gates)]
        return subprocess.run(cmd, capture_output=True, text=True, env=env).returncode

    assert check() == 0  # writes limits.py's bytecode
    shutil.rmtree(own_gates / CACHE_DIR)
    assert check() == 0 and check() == 0  # the first imports limits from bytecode; the second replays
    (own_gates / "lib" / "limits.py").write_text("MAX_CRITERIA = 1\n")
    assert check() == 1


def test_an_interrupted_check_is_never_replayed(own_gates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_gate(own_gates, "test_zz_interrupt.py", "def test_interrupt():\n    raise KeyboardInterrupt\n")
    interrupted = run_check(CheckOptions(path=own_gates))
    assert interrupted.exit_code == 2
    assert not ResultCache(own_gates).runs
