"""The gate-result cache reuses a result only while everything the gate read is unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ftspec import cache as cache_module
from ftspec.cache import CACHE_DIR, CACHE_FILE, ResultCache
from ftspec.commands.check import CheckOptions, run_check
from ftspec.results import GateResult


def run(project: Path, **kwargs: object) -> dict[str, GateResult]:
    """Built-in gate results by id (the project's own pytest gates are never cached)."""
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
    assert json.loads((worked_example / CACHE_DIR / CACHE_FILE).read_text())["format"] == 1


def test_read_only_project_still_checks(worked_example: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    worked_example.chmod(0o555)
    try:
        assert run(worked_example)["rubric.schema"].outcome == "passed"
    finally:
        worked_example.chmod(0o755)
