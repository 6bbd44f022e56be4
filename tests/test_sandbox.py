"""A project's own gates stay inside the project: what they read, write or run outside it fails the check.

Each case runs a real check (a forked session: the audit hook is installed there, never in this process).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ftspec.commands.check import CheckOptions, run_check
from ftspec.report.model import CheckRun

OUTSIDE = Path("/etc/passwd")  # outside every test project (they live in the temporary folder, which is allowed)
pytestmark = pytest.mark.skipif(not OUTSIDE.is_file() or sys.platform == "win32", reason="needs /etc/passwd")


def check(project: Path) -> CheckRun:
    return run_check(CheckOptions(path=project, cache=False))


def result(run: CheckRun, nodeid: str) -> tuple[str, list[str]]:
    found = next(r for r in run.results if r.id == nodeid)
    return found.outcome, [f.render() for f in found.findings]


def gate(project: Path, source: str, name: str = "test_reach.py") -> str:
    (project / "gates").mkdir(exist_ok=True)
    (project / "gates" / name).write_text(source)
    return f"gates/{name}::test_reach"


READ_CAUGHT = "def test_reach():\n    try:\n        open('/etc/passwd').read()\n    except OSError:\n        pass\n"


def test_a_read_outside_fails_even_when_the_gate_catches_the_error(worked: Path) -> None:
    nodeid = gate(worked, READ_CAUGHT)
    run = check(worked)
    outcome, findings = result(run, nodeid)
    assert run.exit_code == 1 and outcome == "failed"
    assert findings == [f"gates/test_reach.py:3:1: project gate {nodeid} tried to read /etc/passwd, outside the "
                        "project; add it to allow_outside in ftspec.yaml if intended."]
    assert "root:" not in "\n".join(findings)  # the path, never what is in it


def test_allow_outside_lets_the_gate_read_it(worked: Path) -> None:
    nodeid = gate(worked, "def test_reach():\n    assert open('/etc/passwd').read()\n")
    manifest = worked / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "allow_outside: [/etc/passwd]\n")
    run = check(worked)
    assert result(run, nodeid)[0] == "passed"
    assert run.exit_code == 0


def test_a_link_inside_the_project_that_leads_outside_is_refused(worked: Path) -> None:
    (worked / "notes.txt").symlink_to(OUTSIDE)
    nodeid = gate(worked, "from pathlib import Path\n\ndef test_reach():\n"
                  "    Path(__file__).parent.parent.joinpath('notes.txt').read_text()\n")
    outcome, findings = result(check(worked), nodeid)
    assert outcome == "failed" and "tried to read /etc/passwd" in findings[0]


def test_writing_outside_and_running_a_process_are_refused(worked: Path) -> None:
    target = Path(sys.prefix) / "ftspec-sandbox-probe.txt"
    write = gate(worked, f"def test_reach():\n    open({str(target)!r}, 'w').write('x')\n", "test_write.py")
    spawn = gate(worked, "import subprocess\n\ndef test_reach():\n    subprocess.run(['true'])\n", "test_run.py")
    run = check(worked)
    assert not target.exists()
    outcome, findings = result(run, write)
    assert outcome == "failed" and f"tried to write {target}, outside the project" in findings[0]
    outcome, findings = result(run, spawn)
    assert outcome == "failed" and findings[0].startswith("gates/test_run.py:4:1: ")
    assert "tried to run true: project gates may not start processes" in findings[0]


def test_tmp_path_and_the_project_itself_stay_usable(worked: Path) -> None:
    nodeid = gate(worked, "from pathlib import Path\n\ndef test_reach(tmp_path):\n"
                  "    (tmp_path / 'x').write_text('ok')\n    assert (tmp_path / 'x').read_text() == 'ok'\n"
                  "    assert Path(__file__).read_text()\n    assert open('/dev/null').read() == ''\n")
    run = check(worked)
    assert result(run, nodeid)[0] == "passed"
    assert run.exit_code == 0


def test_a_conftest_that_reads_outside_at_import_fails_the_check(worked: Path) -> None:
    (worked / "conftest.py").write_text("try:\n    open('/etc/passwd')\nexcept OSError:\n    pass\n")
    run = check(worked)
    outcome, findings = result(run, "conftest.py")
    assert run.exit_code == 1 and outcome == "failed"
    assert findings == ["conftest.py:2:1: project code in conftest.py tried to read /etc/passwd, outside the "
                        "project; add it to allow_outside in ftspec.yaml if intended."]


def test_a_gate_module_that_lists_outside_at_import_fails(worked: Path) -> None:
    (worked / "gates").mkdir(exist_ok=True)
    (worked / "gates" / "test_list.py").write_text("import os\ntry:\n    os.listdir('/etc')\nexcept OSError:\n"
                                                   "    pass\n\ndef test_ok():\n    pass\n")
    outcome, findings = result(check(worked), "gates/test_list.py")
    assert outcome == "failed"
    assert findings[0].startswith("gates/test_list.py:3:1: project gate gates/test_list.py tried to read /etc,")


def test_installed_metadata_off_sys_path_stays_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable install keeps ftspec.egg-info beside its source; pytest reads its entry points while it starts.
    Found by CI on a fresh clone: every project conftest failed reading <clone>/ftspec.egg-info/entry_points.txt.
    A link that only carries a metadata name opens nothing."""
    from ftspec import sandbox

    source = tmp_path / "clone"
    (source / "demo.egg-info").mkdir(parents=True)
    (source / "demo.egg-info" / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1\n")
    (source / "evil.dist-info").symlink_to("/etc")
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(source)
    monkeypatch.syspath_prepend(str(source))
    rules = sandbox.policy(project)
    assert str(source / "demo.egg-info") + "/" in rules.readable
    assert "/etc/" not in rules.readable
    assert not any(p.startswith(str(source / "evil")) for p in rules.readable)
