"""The pytest plugin through pytester: plain `pytest` in a project runs the gates and its own gates."""

from __future__ import annotations

import os
import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from ftspec.gates.registry import all_gates
from tests.conftest import REPO, WORKED, worked_outcomes

N_GATES = len(all_gates())

OWN_GATES = """
def test_fixtures(manifest, rubric, taxonomy, personas, model_choice, base_eval, prompts, ftspec_project):
    assert manifest.project == "career-coach"
    assert set(rubric.safety_gates) <= set(rubric.criteria)
    assert taxonomy.taxonomy.topics[-1].is_edge_case
    assert personas.persona_template.flaw_patterns.no_flaw_share == 0.2
    assert model_choice.context_window >= manifest.token_budget.max_tokens_per_example
    assert len(base_eval.scenarios) == 12
    assert "{user_message}" in prompts["assistant_prompt"]
    assert ftspec_project.root.name == "project"

def test_every_topic_has_three_subtopics(taxonomy):
    assert all(len(t.subtopics) >= 3 for t in taxonomy.taxonomy.topics)
"""


def plugin_args() -> list[str]:
    """Plain `pytest` autoloads the plugin (pytest11 entry point); without an install, load it by name."""
    installed = any(ep.value == "ftspec.pytest_plugin" for ep in entry_points(group="pytest11"))
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    return [] if installed and autoload else ["-p", "ftspec.pytest_plugin"]


@pytest.fixture(autouse=True)
def only_ftspec_plugin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Autoloading every installed plugin costs seconds per run; only the `plain pytest` tests need it."""
    if "autoload" not in request.keywords:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    root = pytester.path / "project"
    shutil.copytree(WORKED, root, ignore=shutil.ignore_patterns(".ftspec", "gates"))
    (root / "gates").mkdir(exist_ok=True)
    (root / "gates/test_own.py").write_text(OWN_GATES)
    return root


def run(pytester: pytest.Pytester, root: Path, *args: str) -> pytest.RunResult:
    pytester.chdir()
    return pytester.runpytest(str(root), "-p", "no:cacheprovider", "-rA", *plugin_args(), *args)


@pytest.mark.autoload
def test_plain_pytest_runs_gates_and_own_tests(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, project)
    counts = worked_outcomes()
    result.assert_outcomes(passed=counts["passed"] + 2, skipped=counts["skipped"])
    result.stdout.fnmatch_lines(
        [
            "PASSED project/ftspec.yaml::rubric.calibration-examples",
            "PASSED project/gates/test_own.py::test_fixtures",
        ]
    )


def test_failing_gate_shows_its_findings(pytester: pytest.Pytester, project: Path) -> None:
    rubric = project / "config/rubric.yaml"
    rubric.write_text(rubric.read_text().replace("weight: 0.35", "weight: 0.45"))
    result = run(pytester, project)
    counts = worked_outcomes()
    result.assert_outcomes(passed=counts["passed"] - 1 + 2, skipped=counts["skipped"], failed=1)
    result.stdout.fnmatch_lines(
        [
            "*rubric.category-weights: Category weights sum to 1.0.",
            "  config/rubric.yaml:8:1: categories: category weights sum to 1.1, not 1.0. adjust the*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_own_gate_gets_a_located_error_when_an_artifact_is_invalid(
    pytester: pytest.Pytester, project: Path
) -> None:
    taxonomy = project / "config/input-taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("weight: 0.25", "weight: lots"))
    pytester.chdir()
    result = pytester.runpytest(str(project / "gates"), "-p", "no:cacheprovider", *plugin_args())
    result.assert_outcomes(errors=2)  # a fixture that cannot load its artifact errors the test
    result.stdout.fnmatch_lines(
        [
            "*config/input-taxonomy.yaml:7:7: taxonomy.topics[[]0[]].weight: Input should be a "
            "valid number, got 'lots'*"
        ]
    )


def test_keyword_selects_gates(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, project, "-k", "taxonomy and not schema")
    n_taxonomy = len([g for g in all_gates() if "taxonomy" in g and "schema" not in g])
    result.assert_outcomes(passed=n_taxonomy)


def test_warning_gate_warns(pytester: pytest.Pytester, project: Path) -> None:
    personas = project / "config/persona-template.yaml"
    personas.write_text(personas.read_text().replace("primary_rate: 0.50", "primary_rate: 0.95"))
    result = run(pytester, project, "-k", "flaw-rates")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*GateWarning: personas.flaw-rates: config/persona-template.yaml:18:5:*"])


def test_pipeline_outputs_are_not_collected(pytester: pytest.Pytester, project: Path) -> None:
    for folder in ("data", "models"):
        (project / folder).mkdir()
        (project / folder / "test_trap.py").write_text(
            "def test_trap():\n    raise AssertionError('collected')\n"
        )
    result = run(pytester, project, "--collect-only", "-q")
    collected = [ln for ln in result.stdout.lines if "::" in ln]
    assert len(collected) == N_GATES + 2
    assert not any("test_trap" in ln for ln in collected)


@pytest.mark.autoload
def test_inert_without_a_manifest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    (pytester.path / "config").mkdir()
    shutil.copy(WORKED / "config/rubric.yaml", pytester.path / "config/rubric.yaml")
    result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args(), "-rA")
    result.assert_outcomes(passed=1)
    assert [ln for ln in result.stdout.lines if "::" in ln] == ["PASSED test_plain.py::test_one"]
    assert "ftspec.yaml" not in result.stdout.str() and "collected 1 item" in result.stdout.str()


def test_entry_point_is_declared() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert '[project.entry-points.pytest11]\nftspec = "ftspec.pytest_plugin"' in text
