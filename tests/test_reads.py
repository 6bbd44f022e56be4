"""ftspec.reads: what a watched stretch of code read, and whether it did anything else."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftspec.reads import file_inputs, paused, watching


def test_open_and_exists_are_reads(tmp_path: Path) -> None:
    data, probe = tmp_path / "data.txt", tmp_path / "maybe.txt"
    data.write_text("x")
    with watching() as log:
        data.read_text()
        probe.exists()
    assert {str(data), str(probe)} <= log.paths
    assert not log.impure


def test_writing_makes_it_impure(tmp_path: Path) -> None:
    with watching() as log:
        (tmp_path / "out.txt").write_text("x")
    assert log.impure.startswith("wrote")


def test_a_subprocess_makes_it_impure() -> None:
    with watching() as log:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert log.impure


def test_listing_a_project_folder_makes_it_impure_unless_allowed(tmp_path: Path) -> None:
    with watching() as log:
        os.listdir(tmp_path)
    assert log.impure.startswith("listed")
    with watching(listing_ok=True) as allowed:
        os.listdir(tmp_path)
    assert not allowed.impure


def test_the_import_system_probing_a_path_entry_that_is_no_folder_is_not_a_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install puts its finder's name on sys.path; the first import after it lists that name, which
    reads nothing. A sys.path entry that is a folder is still a listing (a project folder on sys.path)."""
    hook, folder = str(tmp_path / "__editable__.pkg.finder.__path_hook__"), tmp_path / "on_path"
    folder.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, hook, str(folder)])
    with watching() as log, contextlib.suppress(FileNotFoundError):
        os.listdir(hook)
    assert not log.impure
    with watching() as listed:
        os.listdir(folder)
    assert listed.impure.startswith("listed")


def test_changing_the_environment_makes_it_impure_but_pytests_own_variable_does_not() -> None:
    with watching() as log:
        os.environ["PYTEST_CURRENT_TEST"] = os.environ.get("PYTEST_CURRENT_TEST", "x")
    assert not log.impure
    with watching() as changed:
        os.environ["FTSPEC_READS_PROBE"] = "1"
    del os.environ["FTSPEC_READS_PROBE"]
    assert changed.impure == "os.putenv"


def test_devices_and_descriptors_make_it_impure() -> None:
    with watching() as log, open("/dev/urandom", "rb") as handle:
        handle.read(1)
    assert log.impure == "read /dev/urandom"
    read_end, write_end = os.pipe()
    os.close(write_end)
    with watching() as fd_log, open(read_end, "rb") as handle:
        handle.read()
    assert fd_log.impure == "read from a file descriptor"


def test_library_files_are_not_inputs() -> None:
    with watching() as log:
        Path(os.__file__).read_bytes()
    assert not log.paths and not log.impure


def test_paused_work_is_not_seen(tmp_path: Path) -> None:
    with watching() as log, paused():
        (tmp_path / "own.json").write_text("{}")
    assert not log.paths and not log.impure


def test_stat_functions_are_restored_after_the_block(tmp_path: Path) -> None:
    before = os.stat, os.lstat, os.access
    with watching():
        pass
    assert (os.stat, os.lstat, os.access) == before


def test_file_inputs_are_relative_and_skip_ftspecs_own_cache(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    own = tmp_path / ".ftspec" / "cache" / "gates.json"
    inputs = file_inputs(tmp_path, {str(tmp_path / "a.yaml"), str(own), str(tmp_path / "gone")})
    assert set(inputs) == {"file:a.yaml", "file:gone"}
    assert inputs["file:gone"] == "missing"


def test_bytecode_caches_are_not_writes(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__"
    with watching() as log:
        cache.mkdir()
        (cache / "m.cpython-311.pyc.123").write_bytes(b"x")
        os.replace(cache / "m.cpython-311.pyc.123", cache / "m.cpython-311.pyc")
    assert not log.impure and not log.paths
