"""ftspec reads only regular files inside the project (or under allow_outside), writes through no symlink, and
locates every refusal without quoting what the file holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftspec.cache import CACHE_DIR, ResultCache, tree_stamp
from ftspec.commands.check import CheckOptions as Options
from ftspec.commands.check import ManifestHints, pytest_args
from ftspec.commands.init import init
from ftspec.errors import FtspecError, ProjectNotFound
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.paths import MANIFEST, ReadRefused, find_root, read_limited, safe_write
from ftspec.project import Project
from ftspec.results import GateResult
from tests.projects import make_project

SECRET = "SECRET-TOKEN-12345"
RUBRIC = "config/rubric.yaml"


@pytest.fixture
def outside_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.yaml"
    path.parent.mkdir()
    path.write_text(f"api_key: {SECRET}\ncriteria: {SECRET}\n")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def results(root: Path) -> dict[str, GateResult]:
    project = Project(root)
    return {gate.id: run_gate(gate, project) for gate in all_gates().values()}


def rendered(found: dict[str, GateResult]) -> str:
    return "\n".join(f.render() for r in found.values() for f in r.findings) + "".join(
        r.reason for r in found.values())


def test_a_spec_file_linked_outside_is_a_finding_that_quotes_nothing(project: Path, outside_file: Path) -> None:
    (project / RUBRIC).unlink()
    (project / RUBRIC).symlink_to(outside_file)
    found = results(project)
    (finding,) = found["rubric.schema"].findings
    assert finding.render().startswith(f"{RUBRIC}:1:1: {RUBRIC} leads outside the project")
    assert SECRET not in rendered(found)


@pytest.mark.parametrize("value", ["ABSOLUTE", "../outside/secret.yaml"])
def test_a_manifest_path_outside_is_located_in_the_manifest(project: Path, outside_file: Path, value: str) -> None:
    value = str(outside_file) if value == "ABSOLUTE" else value
    with (project / MANIFEST).open("a") as handle:
        handle.write(f"paths:\n  rubric: {value}\n")
    found = results(project)
    (finding,) = found["rubric.schema"].findings
    assert finding.path == MANIFEST and finding.location.keypath == "paths.rubric" and finding.location.col > 1
    assert "allow_outside" in finding.fix
    assert SECRET not in rendered(found)


def test_allow_outside_names_a_location_that_may_be_read(project: Path, outside_file: Path) -> None:
    (outside_file.parent / "rubric.yaml").write_bytes((project / RUBRIC).read_bytes())
    with (project / MANIFEST).open("a") as handle:
        handle.write(f"paths:\n  rubric: {outside_file.parent / 'rubric.yaml'}\nallow_outside: [../outside]\n")
    assert run_gate(all_gates()["rubric.schema"], Project(project)).outcome == "passed"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_fifos_and_devices_are_findings_not_hangs(project: Path, kind: str) -> None:
    path = project / RUBRIC
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    (finding,) = results(project)["rubric.schema"].findings
    expected = "is a FIFO (named pipe), not a regular file" if kind == "fifo" else f"{RUBRIC} leads outside"
    assert finding.render().startswith(f"{RUBRIC}:1:1: {expected}")


def test_a_device_inside_allow_outside_is_still_refused(project: Path) -> None:
    (project / RUBRIC).unlink()
    (project / RUBRIC).symlink_to("/dev/zero")
    with (project / MANIFEST).open("a") as handle:
        handle.write("allow_outside: [/dev]\n")
    (finding,) = results(project)["rubric.schema"].findings
    assert finding.render().startswith(f"{RUBRIC}:1:1: is a device, not a regular file")


def test_the_size_limit_holds_while_reading(tmp_path: Path) -> None:
    with pytest.raises(ReadRefused, match="not a regular file"):
        read_limited(Path("/dev/zero"), 1024)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ReadRefused, match="over the"):
        read_limited(big, 1024)


def test_a_data_path_outside_is_located_in_the_training_config(project: Path, outside_file: Path) -> None:
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text().replace("train: data/train.jsonl", f"train: {outside_file}"))
    found = results(project)
    finding = found["data.format"].findings[0]
    assert finding.path == "config/training.yaml" and finding.location.keypath == "data.train"
    assert SECRET not in rendered(found)


def test_a_fifo_as_data_file_is_a_finding(project: Path) -> None:
    (project / "data").mkdir()
    os.mkfifo(project / "data" / "train.jsonl")
    finding = results(project)["data.format"].findings[0]
    assert finding.render().startswith("data/train.jsonl:1:1: is a FIFO")


def test_gates_folder_outside_is_never_walked(project: Path) -> None:
    with (project / MANIFEST).open("a") as handle:
        handle.write("paths:\n  gates: /\n")
    hints = ManifestHints.read(project)
    assert hints.gates_dir == "/"
    args = pytest_args(project, hints, Options(path=project))
    assert "/" not in args
    assert tree_stamp(project, "tree:/") == "outside"
    (finding,) = results(project)["manifest.schema"].findings
    assert finding.path == MANIFEST and finding.location.keypath == "paths.gates"
    assert "leads outside the project" in finding.message


def test_a_cache_folder_linked_outside_is_never_written(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (project / ".ftspec").symlink_to(target)
    cache = ResultCache(project)
    cache.remember_gates([{"id": "x"}])
    cache.save()
    assert list(target.iterdir()) == []
    assert not (project / CACHE_DIR).is_dir() or (project / ".ftspec").is_symlink()


def test_safe_write_refuses_links(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(FtspecError):
        safe_write(tmp_path, "link/file.txt", b"x")
    assert not (tmp_path / "real" / "file.txt").exists()


def test_init_never_writes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    directory = tmp_path / "new"
    directory.mkdir()
    (directory / "config").symlink_to(target)
    (directory / MANIFEST).symlink_to(tmp_path / "dangling-manifest.yaml")
    with pytest.raises(FtspecError):
        init(directory, "worked-example", git_mode=False)
    assert list(target.iterdir()) == []
    assert not (tmp_path / "dangling-manifest.yaml").exists()


@pytest.mark.parametrize("link", [".ftspec", ".ftspec/schema", ".ftspec/schema/rubric.json"])
def test_init_never_writes_its_schemas_through_a_symlink(tmp_path: Path, link: str) -> None:
    target = tmp_path / "target"
    target.mkdir()
    directory = tmp_path / "new"
    (directory / link).parent.mkdir(parents=True)
    (directory / link).symlink_to(target / "rubric.json" if link.endswith(".json") else target)
    with pytest.raises(FtspecError, match="symbolic link"):
        init(directory, "worked-example", git_mode=False)
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_manifest_that_is_not_a_file_is_its_own_error(tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        (tmp_path / MANIFEST).mkdir()
    else:
        os.mkfifo(tmp_path / MANIFEST)
    with pytest.raises(ProjectNotFound, match="not a file") as error:
        find_root(tmp_path)
    assert "no ftspec.yaml here" not in str(error.value)


def test_a_symlink_loop_as_the_target_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(ProjectNotFound):
        find_root(tmp_path / "loop")
