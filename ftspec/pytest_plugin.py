"""ftspec's pytest plugin: gates as pytest items, and fixtures named after the artifacts.

Registered through the ``pytest11`` entry point, so plain ``pytest`` inside a project runs the built-in gates
(collected from ``ftspec.yaml``) beside the project's own ``gates/test_*.py``. In a directory without
``ftspec.yaml`` the plugin collects nothing and its fixtures are never requested: it is inert.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ftspec import gate_fixtures
from ftspec.alarm import time_limit
from ftspec.cache import ResultCache
from ftspec.paths import MANIFEST, find_root
from ftspec.reads import ReadLog, gate_inputs, paused, watching
from ftspec.results import GateResult
from ftspec.sandbox import trusted

if TYPE_CHECKING:
    from ftspec.project import Project

RESULTS = pytest.StashKey[dict[str, GateResult]]()
PROJECTS = pytest.StashKey[dict[Path, "Project"]]()
CACHES = pytest.StashKey[dict[Path, ResultCache]]()
# What each of the project's own gates read (None: it cannot be replayed), and what collection read.
PROJECT_INPUTS = pytest.StashKey[dict[str, "dict[str, str] | None"]]()
COLLECTION_READS = pytest.StashKey[ReadLog]()
PIPELINE_DIRS = {"data", "models", ".dvc", "dvc_plots"}


class GateTimeout(Exception):
    """A gate ran past its time limit."""


@contextlib.contextmanager
def _time_limit(item: pytest.Item) -> Iterator[None]:
    limit = float(item.config.getoption("ftspec_timeout", 0.0) or 0.0)
    message = f"{item.name} ran past its time limit of {limit:g} s (check.timeout in ftspec.yaml)"
    with time_limit(limit, lambda: GateTimeout(message)):
        yield


class GateWarning(UserWarning):
    """A gate of warning severity found something."""


class GateFailed(Exception):
    """A gate found errors; carries the result for the failure report."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.id)
        self.result = result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ftspec")
    group.addoption("--ftspec-no-cache", action="store_true", default=False,
                    help="Run every ftspec gate instead of reusing results whose inputs are unchanged.")
    group.addoption("--ftspec-record", action="store_true", default=False,
                    help="Watch what the project's own gates read, so that `ftspec check` can replay them.")
    group.addoption("--ftspec-timeout", type=float, default=0.0,
                    help="Seconds one gate may run before it fails (0: no limit; `ftspec check` passes "
                    "check.timeout from ftspec.yaml).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ftspec_gate: a built-in ftspec gate")
    config.addinivalue_line("markers", "ftspec_no_cache: never replay this gate's result (it reads the clock, "
                            "random numbers or environment variables)")
    config.stash.setdefault(RESULTS, {})
    config.stash.setdefault(PROJECT_INPUTS, {})
    config.stash.setdefault(PROJECTS, {})
    config.stash.setdefault(CACHES, {})


@pytest.hookimpl(trylast=True)  # after `ftspec check`'s recorder has stored what a replay needs: one write
def pytest_sessionfinish(session: pytest.Session) -> None:
    with trusted():
        for cache in session.config.stash.get(CACHES, {}).values():
            cache.save()


def recording(config: pytest.Config) -> bool:
    return bool(config.getoption("ftspec_record", False)) and not config.getoption("ftspec_no_cache", False)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    """Under --ftspec-record, watch what collection reads (gate modules, conftest files, data they load)."""
    if not recording(session.config):
        return (yield)
    with watching(listing_ok=True) as log:
        try:
            return (yield)
        finally:
            session.config.stash[COLLECTION_READS] = log


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Under --ftspec-timeout, stop a gate (setup, call and teardown) that runs past the limit: an alarm raises
    in it, so the gate fails and the session goes on. Under --ftspec-record, watch one of the project's own
    gates from setup to teardown."""
    with _time_limit(item):
        if isinstance(item, GateItem) or not recording(item.config):
            return (yield)
        return (yield from _recorded(item))


def _recorded(item: pytest.Item) -> Any:
    for project in item.config.stash[PROJECTS].values():
        project.recording = {}
    with watching() as log:
        outcome = yield
    with trusted():  # stamping what the gate read (a refused read too) is ftspec's work
        item.config.stash[PROJECT_INPUTS][item.nodeid] = project_gate_inputs(item, log)
    return outcome


def project_gate_inputs(item: pytest.Item, log: ReadLog) -> dict[str, str] | None:
    """The inputs a replay of this gate's result depends on, or None when it must always run."""
    if not isinstance(item, pytest.Function) or item.get_closest_marker("ftspec_no_cache"):
        return None
    fixtures = item._fixtureinfo.name2fixturedefs  # pytest exposes no public way to see fixture scopes
    if any(d.scope != "function" for defs in fixtures.values() for d in defs):
        return None  # a wider fixture may have read its inputs while another test ran
    projects: dict[Path, Project] = item.config.stash[PROJECTS]
    return gate_inputs(item.path, log, projects)


def project_for(config: pytest.Config, root: Path) -> Project:
    """One Project per root for the whole session, so every artifact is parsed once."""
    from ftspec.project import Project

    projects = config.stash[PROJECTS]
    if root not in projects:
        projects[root] = Project(root)
    return projects[root]


def cache_for(config: pytest.Config, root: Path) -> ResultCache:
    caches = config.stash[CACHES]
    if root not in caches:
        caches[root] = ResultCache(root, enabled=not config.getoption("ftspec_no_cache", False))
    return caches[root]


def gate_metadata(cache: ResultCache) -> list[dict[str, Any]]:
    """id/phase/severity/description of every gate: from the cache when ftspec's code is unchanged."""
    if cache.gates:
        return cache.gates
    from ftspec.gates.table import gate_rows  # a static table: no gate module is imported to list them

    gates = [{key: row[key] for key in ("id", "phase", "severity", "description", "module")} for row in gate_rows()]
    cache.remember_gates(gates)
    return gates


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
        with paused(), trusted():
            cache = cache_for(self.config, self.path.parent)
            gates = gate_metadata(cache)
        for meta in gates:
            yield GateItem.from_parent(self, name=meta["id"], meta=meta, cache=cache)


class GateItem(pytest.Item):
    """One built-in gate run against the project (or its cached result, when nothing it read has changed)."""

    def __init__(self, *, meta: dict[str, Any], cache: ResultCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate_id: str = meta["id"]
        self.meta = meta
        self.cache = cache
        self.add_marker(pytest.mark.ftspec_gate)

    def evaluate(self) -> GateResult:
        cached = self.cache.lookup(self.gate_id)
        if cached is not None:
            return cached
        from ftspec.gates.registry import load_gate
        from ftspec.gates.runner import run_gate

        gate = load_gate(self.gate_id, self.meta.get("module"))
        result = run_gate(gate, project_for(self.config, self.cache.root))
        self.cache.store(result)
        return result

    def runtest(self) -> None:
        with trusted():  # ftspec's own gate: it reads through the project's confined reader
            result = self.evaluate()
        self.config.stash[RESULTS][self.nodeid] = result
        if result.outcome == "skipped":
            pytest.skip(result.reason)
        if result.outcome == "failed":
            raise GateFailed(result)
        for finding in result.findings:
            warnings.warn(GateWarning(f"{self.gate_id}: {finding.render()}"), stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, GateFailed):
            result = excinfo.value.result
            lines = [f"{result.id}: {result.description}"]
            lines += [f"  {f.render()}" for f in result.findings]
            return "\n".join(lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"gate {self.gate_id}"


# -- fixtures for the project's own gates --------------------------------------------------------------------


@pytest.fixture
def ftspec_project(request: pytest.FixtureRequest) -> Project:
    """The ftspec project the requesting test file lives in."""
    return project_for(request.config, find_root(Path(request.path).parent))


def _artifact(project: Project, name: str) -> Any:
    try:
        return gate_fixtures.artifact(project, name)
    except gate_fixtures.ArtifactInvalid as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)  # outside the except: no chained exception in the report


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
    return {name: _artifact(ftspec_project, name).body for name in gate_fixtures.PROMPTS}
