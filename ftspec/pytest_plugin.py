"""ftspec's pytest plugin: gates as pytest items, and fixtures named after the artifacts.

Registered through the ``pytest11`` entry point, so plain ``pytest`` inside a project runs the built-in gates
(collected from ``ftspec.yaml``) beside the project's own ``gates/test_*.py``. In a directory without
``ftspec.yaml`` the plugin collects nothing and its fixtures are never requested: it is inert.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftspec.gates.registry import Gate, all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import MANIFEST, Project, find_root
from ftspec.results import GateResult

RESULTS = pytest.StashKey[dict[str, GateResult]]()
PROJECTS = pytest.StashKey[dict[Path, Project]]()
PIPELINE_DIRS = {"data", "models", ".dvc", "dvc_plots"}


class GateWarning(UserWarning):
    """A gate of warning severity found something."""


class GateFailed(Exception):
    """A gate found errors; carries the result for the failure report."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.id)
        self.result = result


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ftspec_gate: a built-in ftspec gate")
    config.stash.setdefault(RESULTS, {})
    config.stash.setdefault(PROJECTS, {})


def project_for(config: pytest.Config, root: Path) -> Project:
    """One Project per root for the whole session, so every artifact is parsed once."""
    projects = config.stash[PROJECTS]
    if root not in projects:
        projects[root] = Project(root)
    return projects[root]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Never walk a project's pipeline outputs (datasets, checkpoints) looking for tests."""
    if collection_path.name in PIPELINE_DIRS and (collection_path.parent / MANIFEST).is_file():
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == MANIFEST:
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecFile(pytest.File):
    """ftspec.yaml: collects one item per built-in gate."""

    def collect(self) -> Iterator[GateItem]:
        project = project_for(self.config, self.path.parent)
        for gate in all_gates().values():
            yield GateItem.from_parent(self, name=gate.id, gate=gate, project=project)


class GateItem(pytest.Item):
    """One built-in gate run against the project."""

    def __init__(self, *, gate: Gate, project: Project, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.project = project
        self.add_marker(pytest.mark.ftspec_gate)

    def runtest(self) -> None:
        result = run_gate(self.gate, self.project)
        self.config.stash[RESULTS][self.nodeid] = result
        self.user_properties.append(("outcome", result.outcome))
        if result.outcome == "skipped":
            pytest.skip(result.reason)
        if result.outcome == "failed":
            raise GateFailed(result)
        for finding in result.findings:
            warnings.warn(GateWarning(f"{self.gate.id}: {finding.render()}"), stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, GateFailed):
            result = excinfo.value.result
            lines = [f"{result.id}: {result.description}"]
            lines += [f"  {f.render()}" for f in result.findings]
            return "\n".join(lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"gate {self.gate.id}"


# -- fixtures for the project's own gates --------------------------------------------------------------------


@pytest.fixture
def ftspec_project(request: pytest.FixtureRequest) -> Project:
    """The ftspec project the requesting test file lives in."""
    return project_for(request.config, find_root(Path(request.path).parent))


def _artifact(project: Project, name: str) -> Any:
    loaded = project.load(name)
    if loaded.errors:
        pytest.fail("\n".join(e.render() for e in loaded.errors), pytrace=False)
    return loaded.value


@pytest.fixture
def manifest(ftspec_project: Project) -> Any:
    """The validated ftspec.yaml."""
    return _artifact(ftspec_project, "manifest")


@pytest.fixture
def rubric(ftspec_project: Project) -> Any:
    """The validated rubric."""
    return _artifact(ftspec_project, "rubric")


@pytest.fixture
def taxonomy(ftspec_project: Project) -> Any:
    """The validated input taxonomy."""
    return _artifact(ftspec_project, "taxonomy")


@pytest.fixture
def personas(ftspec_project: Project) -> Any:
    """The validated persona template."""
    return _artifact(ftspec_project, "personas")


@pytest.fixture
def model_choice(ftspec_project: Project) -> Any:
    """The validated model-choice frontmatter."""
    return _artifact(ftspec_project, "model_choice")


@pytest.fixture
def base_eval(ftspec_project: Project) -> Any:
    """The validated base-model eval results."""
    return _artifact(ftspec_project, "base_eval")


@pytest.fixture
def sidecar(ftspec_project: Project) -> Any:
    """The validated workflow sidecar."""
    return _artifact(ftspec_project, "sidecar")


@pytest.fixture
def training(ftspec_project: Project) -> Any:
    """The validated config/training.yaml."""
    return _artifact(ftspec_project, "training")


@pytest.fixture
def prompts(ftspec_project: Project) -> dict[str, str]:
    """The prompt bodies by name: system_prompt, user_sim_prompt, assistant_prompt."""
    names = ("system_prompt", "user_sim_prompt", "assistant_prompt")
    return {name: _artifact(ftspec_project, name).body for name in names}
