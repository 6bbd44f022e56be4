"""A data gate's cached result depends on its data files and the spec sections it reads, not whole files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from ftspec.gates.sections import DATA_GATES, reads
from ftspec.results import GateResult
from tests.conftest import REPO
from tests.test_cache import run, touch_later

DATA = REPO / "tests" / "examples" / "data.format" / "pass" / "generated"


@pytest.fixture
def project(worked_example: Path) -> Path:
    """The worked example with a small training and eval set."""
    shutil.copytree(DATA / "data", worked_example / "data")
    shutil.copy(DATA / "config" / "training.yaml", worked_example / "config" / "training.yaml")
    return worked_example


def data_results(project: Path) -> dict[str, GateResult]:
    return {k: r for k, r in run(project).items() if k in DATA_GATES}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    touch_later(path)


def test_every_data_gate_declares_what_it_reads() -> None:
    assert {g.id for g in all_gates().values() if g.phase == "data"} == set(DATA_GATES)
    assert reads("manifest.schema") is None  # other gates stay keyed on whole files


def test_an_unrelated_edit_of_either_spec_file_reuses_every_data_gate(project: Path) -> None:
    first = data_results(project)
    assert sum(r.outcome != "skipped" for r in first.values()) >= 9  # the data gates really ran
    assert all(not any(k.startswith("file:ftspec.yaml") for k in r.inputs) for r in first.values())
    edit(project / "ftspec.yaml", "project: career-coach", "project: career-coach-2")
    edit(project / "ftspec.yaml", "{min: 3, max: 8}", "{min: 3, max: 7}")  # another gate's settings
    edit(project / "ftspec.yaml", "description: >-", "# a new line: every section below moves down\ndescription: >-")
    edit(project / "config" / "training.yaml", "learning_rate: 2.0e-4", "learning_rate: 1.0e-4")
    results = run(project)
    assert not results["manifest.schema"].cached  # it reads the whole file
    after = {k: r for k, r in results.items() if k in DATA_GATES}
    assert all(r.cached for r in after.values()), [k for k, r in after.items() if not r.cached]
    assert {k: (r.outcome, r.findings) for k, r in after.items()} == {
        k: (r.outcome, r.findings) for k, r in first.items()}
    assert all(r.cached for r in data_results(project).values())  # the new stamp was recorded: no parse again


def test_an_edit_of_a_section_a_gate_reads_reruns_it(project: Path) -> None:
    data_results(project)
    edit(project / "ftspec.yaml", "  taxonomy.edge-case-share:", "  data.pii: {crisis_lines: false}\n"
         "  taxonomy.edge-case-share:")
    results = data_results(project)
    assert not results["data.pii"].cached
    assert results["data.format"].cached and results["data.duplicates"].cached
    edit(project / "ftspec.yaml", "source_key: [metadata.source_id, ", "source_key: [")
    results = data_results(project)
    assert not any(r.cached for r in results.values())  # data.* is read by every data gate
    edit(project / "config" / "training.yaml", "max_length: 512", "max_length: 24")
    results = data_results(project)
    assert not results["data.token-length"].cached and results["data.token-length"].outcome == "failed"


def test_an_invalid_spec_file_reruns_the_data_gates(project: Path) -> None:
    """An invalid manifest is read as defaults: the edit that breaks it, wherever it is, changes what they read."""
    data_results(project)
    edit(project / "ftspec.yaml", "project: career-coach", 'project: ""')
    assert not any(r.cached for r in data_results(project).values())


def test_moved_lines_rerun_a_gate_whose_findings_name_them(project: Path) -> None:
    manifest = project / "ftspec.yaml"
    bad = "  data.artifacts: {patterns: {bad: '('}}\n"
    edit(manifest, "  taxonomy.edge-case-share:", bad + "  taxonomy.edge-case-share:")
    before = data_results(project)["data.artifacts"]
    edit(manifest, "description: >-", "# a comment line\ndescription: >-")  # every line below moves down
    after = data_results(project)["data.artifacts"]
    assert not after.cached
    assert [f.line for f in after.findings] == [f.line + 1 for f in before.findings]


def test_a_sections_input_names_the_file_its_stamp_and_digest(project: Path) -> None:
    inputs = data_results(project)["data.pii"].inputs
    rel, stamp, digest, lines = json.loads(inputs["sections:data.pii:manifest"])
    assert rel == "ftspec.yaml" and stamp and len(digest) == 32
    assert not lines  # no finding of data.pii names a line of ftspec.yaml
    assert json.loads(inputs["sections:data.pii:training"])[0] == "config/training.yaml"


def test_a_spec_path_too_long_for_the_file_system_is_a_finding_not_a_crash(project: Path) -> None:
    """Found by the fuzz suite: `paths.training` 300 characters long made the sections digest raise OSError."""
    from ftspec.gates.runner import run_gate
    from ftspec.project import Project

    manifest = project / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + f"paths: {{training: '{'x' * 300}'}}\n")
    for gate_id in DATA_GATES:
        result = run_gate(all_gates()[gate_id], Project(project))  # raised OSError (File name too long)
        assert result.outcome in ("passed", "failed", "skipped", "warned")
