"""ftspec.plain_gates: a project gate that is a plain function of ftspec's fixtures and passes is reported passed
without pytest; every other one is left to pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftspec.plain_gates import PlainRun, run_plain
from ftspec.project import Project
from tests.conftest import WORKED, copy_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(WORKED, tmp_path / "project")
    (root / "gates").mkdir()
    return root.resolve()


def _run(root: Path, source: str, name: str = "test_gate", timeout: float = 10.0) -> PlainRun:
    module = f"test_m{abs(hash(source)) % 10**8}.py"  # one module name per source: sys.modules never mixes them
    (root / "gates" / module).write_text(source, encoding="utf-8")
    events: list[dict[str, Any]] = []
    run = run_plain(root, [f"gates/{module}::{name}"], Project(root), timeout, events.append)
    assert events == [{"at": f"gates/{module}::{name}"}]
    return run


def test_a_plain_gate_that_passes_is_passed_with_what_it_read(project: Path) -> None:
    run = _run(project, "def test_gate(rubric, prompts):\n    assert rubric.criteria and prompts['system_prompt']\n")
    [(nodeid, result)] = run.passed.items()
    assert (result.id, result.outcome, result.phase, run.pending) == (nodeid, "passed", "project", [])
    inputs = run.inputs[nodeid]
    assert inputs is not None
    assert {"file:config/rubric.yaml", "file:config/system-prompt.md", f"file:{nodeid.split('::')[0]}"} <= set(inputs)


@pytest.mark.parametrize("source, name", [
    ("def test_gate(rubric):\n    assert not rubric.criteria\n", "test_gate"),  # fails: pytest says how
    ("def test_gate(rubric):\n    raise ValueError('boom')\n", "test_gate"),
    ("def test_gate(rubric):\n    return rubric\n", "test_gate"),  # pytest warns about the value
    ("import pytest\n\n\ndef test_gate(rubric):\n    assert rubric\n", "test_gate"),
    ("from pytest import approx\n\n\ndef test_gate(rubric):\n    assert 1 == approx(1)\n", "test_gate"),
    ("def test_gate(rubric, tmp_path):\n    assert rubric\n", "test_gate"),  # a fixture that is not ftspec's
    ("def test_gate(rubric=None):\n    assert True\n", "test_gate"),
    ("def setup_module():\n    pass\n\n\ndef test_gate(rubric):\n    assert rubric\n", "test_gate"),
    ("def test_gate():\n    assert True\n\n\ntest_gate.__test__ = False\n", "test_gate"),
    ("import functools\n\n\ndef deco(f):\n    @functools.wraps(f)\n    def g(*a, **k):\n        return f(*a, **k)\n"
     "    return g\n\n\n@deco\ndef test_gate(rubric):\n    assert rubric\n", "test_gate"),
    ("async def test_gate(rubric):\n    assert rubric\n", "test_gate"),
    ("class TestGate:\n    def test_gate(self, rubric):\n        assert rubric\n", "TestGate::test_gate"),
    ("def test_gate(rubric):\n    assert rubric\n", "test_gate[1]"),  # a parametrized id
    ("import sys\nsys.exit(3)\n", "test_gate"),  # its import fails: pytest reports the collection error
    ("def test_gate(rubric):\n    raise SystemExit(0)\n", "test_gate"),
])
def test_what_pytest_would_treat_otherwise_is_left_to_it(project: Path, source: str, name: str) -> None:
    run = _run(project, source, name)
    assert not run.passed
    assert len(run.pending) == 1 and run.pending[0].endswith(f"::{name}")


def test_a_gate_past_its_time_limit_is_left_to_pytest(project: Path) -> None:
    run = _run(project, "import time\n\n\ndef test_gate(rubric):\n    time.sleep(5)\n", timeout=0.2)
    assert not run.passed and len(run.pending) == 1


def test_an_invalid_artifact_is_left_to_pytest(project: Path) -> None:
    (project / "config" / "rubric.yaml").write_text("criteria: 3\n", encoding="utf-8")
    run = _run(project, "def test_gate(rubric):\n    assert True\n")
    assert not run.passed and len(run.pending) == 1


def test_modules_left_to_pytest_are_forgotten_so_it_imports_them_afresh(project: Path) -> None:
    (project / "gates" / "helper_lib.py").write_text("VALUE = 1\n", encoding="utf-8")
    run = _run(project, "import helper_lib\n\n\ndef test_gate(rubric):\n    assert helper_lib.VALUE == 2\n")
    assert len(run.pending) == 1
    prefix = os.path.join(str(project), "")
    assert not [m for m in list(sys.modules.values()) if str(getattr(m, "__file__", "") or "").startswith(prefix)]


def test_without_pytest_in_the_process_a_plain_gate_never_imports_it(project: Path) -> None:
    """As in `ftspec check`'s child: pytest is not imported, neither to run the gate nor to import its module."""
    (project / "gates" / "test_plain.py").write_text(
        "def test_gate(rubric, taxonomy):\n    assert rubric.criteria and taxonomy\n", encoding="utf-8")
    script = (
        "import json, sys\nfrom pathlib import Path\nfrom ftspec.plain_gates import run_plain\n"
        "from ftspec.project import Project\nroot = Path(sys.argv[1])\n"
        "run = run_plain(root, ['gates/test_plain.py::test_gate'], Project(root), 10.0, lambda e: None)\n"
        "print(json.dumps([sorted(run.passed), run.pending, 'pytest' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", script, str(project)], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == [["gates/test_plain.py::test_gate"], [], False]


def test_the_fixtures_resolved_here_are_exactly_the_plugins() -> None:
    import ftspec.pytest_plugin as plugin
    from ftspec import gate_fixtures

    declared = {name for name, value in vars(plugin).items() if type(value).__name__ == "FixtureFunctionDefinition"}
    assert declared == gate_fixtures.NAMES


def test_a_module_that_imports_pytest_is_not_imported_here(project: Path) -> None:
    """pytest imports it, once: a module's import may be costly or have effects."""
    source = "import os\nimport pytest\n\nos.environ['FTSPEC_TEST_IMPORTED'] = '1'\n\n\ndef test_gate():\n    pass\n"
    os.environ.pop("FTSPEC_TEST_IMPORTED", None)
    run = _run(project, source)
    assert len(run.pending) == 1 and "FTSPEC_TEST_IMPORTED" not in os.environ
