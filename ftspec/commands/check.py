"""`ftspec check`: run the gates through pytest and render the results."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftspec.cache import ResultCache, tree_stamp
from ftspec.errors import FtspecError, Location, UsageError
from ftspec.loader import load_yaml
from ftspec.paths import MANIFEST, find_root, stamp
from ftspec.reads import file_inputs, project_modules
from ftspec.report import REPORTERS
from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult

if TYPE_CHECKING:  # pytest is imported only when gates have to run: a replayed check never starts it
    import pytest

USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR
# Files at the root that change how pytest collects (a replay is valid only while they are unchanged).
PYTEST_FILES = ("conftest.py", "pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


@dataclass
class CheckOptions:
    """What `ftspec check` was asked for."""

    path: Path = Path(".")
    keyword: str | None = None
    exitfirst: bool = False
    format: str = "text"
    junitxml: str | None = None
    output: Path | None = None
    cache: bool = True
    extra_args: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ManifestHints:
    """The few manifest values needed before pytest starts, read without building the pydantic models
    (so a fully cached check never pays for them); an invalid manifest falls back to the defaults and its
    schema gate reports why."""

    project: str
    gates_dir: str = "gates"
    plugins: tuple[str, ...] = ()

    @classmethod
    def read(cls, root: Path) -> ManifestHints:
        try:
            data = load_yaml(root / MANIFEST, MANIFEST).data
        except FtspecError:
            return cls(root.name)
        if not isinstance(data, dict):
            return cls(root.name)
        name = data.get("project")
        paths = _mapping(data.get("paths"))
        gates_dir = paths.get("gates")
        plugins = _mapping(data.get("check")).get("pytest_plugins")
        return cls(
            name if isinstance(name, str) and name else root.name,
            gates_dir if isinstance(gates_dir, str) else "gates",
            tuple(p for p in plugins if isinstance(p, str)) if isinstance(plugins, list) else (),
        )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Recorder:
    """A pytest plugin object that turns test reports into GateResults, in run order, and (under
    --ftspec-record) stores what a later check needs to replay them."""

    def __init__(self, root: Path, signature: str = "", gates_dir: str = "gates",
                 cache: ResultCache | None = None) -> None:
        self.root = root
        self.signature = signature
        self.gates_dir = gates_dir
        self.cache = cache
        self.results: dict[str, GateResult] = {}
        self.gate_results: dict[str, GateResult] = {}
        self.collection_failed = False

    def pytest_configure(self, config: pytest.Config) -> None:
        from ftspec.pytest_plugin import CACHES, RESULTS

        self.gate_results = config.stash.setdefault(RESULTS, {})
        if self.cache is not None:  # the cache the replay attempt already read: the plugin uses it as it is
            config.stash.setdefault(CACHES, {})[self.root] = self.cache

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_failed = True
            self.results[report.nodeid] = GateResult(
                report.nodeid or "collection", "failed", [_crash_finding(report, report.nodeid, self.root)],
                description="could not be collected",
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.failed or report.skipped):
            return
        if report.nodeid in self.gate_results:
            self.results[report.nodeid] = self.gate_results[report.nodeid]
        else:
            self.results[report.nodeid] = _user_result(report, self.results.get(report.nodeid), self.root)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from ftspec.pytest_plugin import COLLECTION_READS, PROJECT_INPUTS, cache_for, recording

        # An interrupted or crashed session ran only some gates: it must never be replayed as a whole check.
        if not self.signature or not recording(session.config) or exitstatus not in (0, 1):
            return
        cache = cache_for(session.config, self.root)
        inputs = session.config.stash[PROJECT_INPUTS]
        for nodeid, result in self.results.items():
            if result.phase == "project" and inputs.get(nodeid) is not None:
                cache.store_project(nodeid, result, inputs[nodeid] or {})
        collection = session.config.stash.get(COLLECTION_READS, None)
        if collection is not None and not collection.impure and not self.collection_failed:
            items = [(nodeid, "" if r.phase == "project" else r.id) for nodeid, r in self.results.items()]
            cache.store_run(self.signature, items, self._collection_inputs(collection.paths))

    def _collection_inputs(self, paths: set[str]) -> dict[str, str]:
        """What the item list depends on: the manifest, pytest's files, every file of the gates folder and
        whatever collection read."""
        inputs = file_inputs(self.root, paths | project_modules(self.root))
        for name in (MANIFEST, *PYTEST_FILES):
            inputs[f"file:{name}"] = stamp(self.root / name)
        inputs[f"value:tree:{self.gates_dir}"] = tree_stamp(self.root, f"tree:{self.gates_dir}")
        return inputs


def _user_result(report: pytest.TestReport, previous: GateResult | None, root: Path) -> GateResult:
    name = report.nodeid
    if previous is not None and previous.outcome == "failed":
        return previous  # a teardown report must not hide the call failure
    if report.skipped:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "skipped"
        return GateResult(name, "skipped", reason=reason.removeprefix("Skipped: "), phase="project")
    if report.failed:
        return GateResult(name, "failed", [_crash_finding(report, name, root)], description="project gate",
                          phase="project")
    return GateResult(name, "passed", phase="project", duration=report.duration)


def _crash_finding(report: Any, nodeid: str, root: Path) -> Finding:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        path = os.path.relpath(crash.path, root) if os.path.isabs(crash.path) else crash.path
        return Finding(Location(path, crash.lineno), crash.message.splitlines()[0] if crash.message else "failed")
    text = str(report.longrepr).strip().splitlines()
    message = text[-1].removeprefix("E").strip() if text else "failed"
    path = nodeid.split("::")[0]
    return Finding(Location(path, _error_line(text, path)), message, "fix the file so pytest can import it")


def _error_line(text: list[str], path: str) -> int:
    """The line a collection error points at: `path:N:` in the traceback, or `line N` in a SyntaxError."""
    name = re.escape(Path(path).name)
    for line in reversed(text):
        found = re.search(rf"{name}:(\d+)", line) or re.search(r"\bline (\d+)", line)
        if found:
            return int(found.group(1))
    return 1


@contextlib.contextmanager
def _no_autoload(extra_plugins: list[str]) -> Iterator[list[str]]:
    """Load only ftspec's plugin (and the project's listed ones): scanning every installed plugin is slow."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    args = ["-p", "ftspec.pytest_plugin"]
    for plugin in extra_plugins:
        args += ["-p", plugin]
    try:
        yield args
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


# pytest plugins a gate run never needs; each costs start-up time (unraisableexception runs gc.collect twice).
_DISABLED = [arg for name in ("cacheprovider", "terminal", "doctest", "pastebin", "unraisableexception",
                              "threadexception", "faulthandler", "stepwise", "debugging", "setuponly", "setupplan")
             for arg in ("-p", f"no:{name}")]


def pytest_args(root: Path, hints: ManifestHints, options: CheckOptions) -> list[str]:
    """The pytest command line for a project: its manifest and its own gates folder."""
    targets = [str(root / MANIFEST)]
    gates_dir = root / hints.gates_dir
    if gates_dir.is_dir():
        targets.append(str(gates_dir))
    # importlib mode: projects' gate modules never clash in sys.modules (several checks in one process).
    # A project gate file that does not import must not hide every other gate: collect on, report it as failed.
    args = [*targets, f"--rootdir={root}", "--import-mode=importlib", "--continue-on-collection-errors",
            *_DISABLED,
            "-o", "python_files=test_*.py *_test.py", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if options.keyword:
        args += ["-k", options.keyword]
    if options.exitfirst:
        args.append("-x")
    if options.junitxml:
        args.append(f"--junitxml={options.junitxml}")
    else:
        args += ["-p", "no:junitxml"]
    if not options.cache:
        args.append("--ftspec-no-cache")
    elif not options.extra_args:
        args.append("--ftspec-record")
    return args + options.extra_args


def run_check(options: CheckOptions) -> CheckRun:
    """Run the gates of the project at ``options.path``; returns the run for a reporter.

    When the last check with the same options left a fresh result for every gate it ran, those results are
    replayed and pytest is not started (see :mod:`ftspec.cache`)."""
    root = find_root(options.path)
    hints = ManifestHints.read(root)
    started = time.perf_counter()
    signature = run_signature(hints, options)
    cache = ResultCache(root) if options.cache else None  # read once: a check that cannot replay runs with it
    replayed = cache.replay(signature) if cache is not None and _replayable(options) else None
    if replayed is not None:
        run = CheckRun(hints.project, str(root), replayed, _exit_code(replayed))
    else:
        from ftspec.direct import run_direct  # only built-in gates stale: they run without pytest

        run = run_direct(root, hints, options, signature, cache) or _run_pytest(root, hints, options, signature, cache)
    run.duration = time.perf_counter() - started
    return run


def run_signature(hints: ManifestHints, options: CheckOptions) -> str:
    """The options that decide which gates a check runs: a replay must have been recorded with the same."""
    return json.dumps({"keyword": options.keyword, "exitfirst": options.exitfirst, "gates_dir": hints.gates_dir,
                       "plugins": list(hints.plugins)}, sort_keys=True)


def _replayable(options: CheckOptions) -> bool:
    """JUnit XML is written by pytest; extra pytest arguments may change anything."""
    return not (options.junitxml or options.extra_args)


def _exit_code(results: list[GateResult]) -> int:
    """pytest's exit code for these outcomes."""
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _run_pytest(root: Path, hints: ManifestHints, options: CheckOptions, signature: str,
                cache: ResultCache | None) -> CheckRun:
    import pytest

    recorder = Recorder(root, signature, hints.gates_dir, cache)
    with _no_autoload(list(hints.plugins)) as plugin_args, _quiet() as captured:
        args = plugin_args + pytest_args(root, hints, options)
        exit_code = int(pytest.main(args, plugins=[recorder]))
    if exit_code == USAGE_ERROR:
        raise UsageError(_usage_message(captured.getvalue()))
    return CheckRun(hints.project, str(root), list(recorder.results.values()), exit_code)


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """pytest's own messages (usage errors) are captured and re-raised as one line."""
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer), contextlib.redirect_stdout(buffer):
        yield buffer


def _usage_message(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower()]
    detail = (errors or lines or ["pytest rejected the arguments"])[-1].removeprefix("ERROR: ")
    return f"usage error: {detail}. check the -k expression and options"


def check(options: CheckOptions) -> int:
    """Run `ftspec check` and print the report; returns pytest's exit code."""
    if options.format not in REPORTERS:
        raise UsageError(f"unknown format '{options.format}'. use one of: {', '.join(REPORTERS)}")
    run = run_check(options)
    text = REPORTERS[options.format](run)
    if options.output:
        options.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return run.exit_code
