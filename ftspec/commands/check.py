"""`ftspec check`: run the gates through pytest and render the results."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftspec import sandbox
from ftspec.cache import ResultCache, tree_stamp
from ftspec.errors import FtspecError, Location, UsageError, one_line, placed
from ftspec.loader import load_yaml
from ftspec.paths import MANIFEST, find_root, outside, stamp
from ftspec.reads import file_inputs, project_modules
from ftspec.report import REPORTERS
from ftspec.report.model import CheckRun
from ftspec.results import Finding, GateResult

if TYPE_CHECKING:  # pytest is imported only when gates have to run: a replayed check never starts it
    import pytest

    from ftspec.commands.check_session import Send, SessionReport
    from ftspec.direct import ProjectRun
    from ftspec.plain_gates import PlainRun
    from ftspec.project import Project

USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR
INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED
NO_TESTS = 5  # pytest.ExitCode.NO_TESTS_COLLECTED
DEFAULT_TIMEOUT = 60.0  # seconds one gate may run (check.timeout in ftspec.yaml)
MAX_TIMEOUT = 86_400.0
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
    verbosity: int = 0  # -q: -1, -v: 1 (the text report only)


@dataclass(frozen=True)
class ManifestHints:
    """The few manifest values needed before pytest starts, read without building the pydantic models
    (so a fully cached check never pays for them); an invalid manifest falls back to the defaults and its
    schema gate reports why."""

    project: str
    gates_dir: str = "gates"
    plugins: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    allow_outside: tuple[str, ...] = ()

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
        timeout = _mapping(data.get("check")).get("timeout")
        allowed = data.get("allow_outside")
        return cls(
            name if isinstance(name, str) and name else root.name,
            gates_dir if isinstance(gates_dir, str) else "gates",
            tuple(p for p in plugins if isinstance(p, str)) if isinstance(plugins, list) else (),
            float(timeout) if isinstance(timeout, int | float) and _is_timeout(timeout) else DEFAULT_TIMEOUT,
            tuple(a for a in allowed if isinstance(a, str) and "\0" not in a) if isinstance(allowed, list) else (),
        )


def _is_timeout(value: Any) -> bool:
    """A usable check.timeout (the manifest's schema gate reports any other value)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_TIMEOUT


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Recorder:
    """A pytest plugin object that turns test reports into GateResults, in run order, tells ``send`` where the
    session is (so the parent can say where it stopped), and (under --ftspec-record) stores what a later check
    needs to replay them: only for a complete session."""

    def __init__(self, root: Path, signature: str = "", gates_dir: str = "gates",
                 cache: ResultCache | None = None, send: Send | None = None,
                 expected: list[str] | None = None, record_run: bool = True,
                 project: Project | None = None) -> None:
        self.root = root
        self.signature = signature
        self.gates_dir = gates_dir
        self.cache = cache
        self.send = send or (lambda event: None)
        self.expected = expected or []
        self.record_run = record_run  # False: a session of some project gates only, not the whole check
        self.project = project  # already read by the process that forked this session
        self.results: dict[str, GateResult] = {}
        self.gate_results: dict[str, GateResult] = {}
        self.selected: list[str] = []
        self.collection_failed = False
        self.confined: set[str] = set()  # project gates that tried to leave the project: never replayed
        self.unclaimed: list[sandbox.Refusal] = []  # refusals outside any collector or gate (a conftest hook)
        self._mark = self._seen = len(sandbox.REFUSALS)

    def pytest_configure(self, config: pytest.Config) -> None:
        from ftspec.pytest_plugin import CACHES, PROJECTS, RESULTS

        self.gate_results = config.stash.setdefault(RESULTS, {})
        if self.cache is not None:  # the cache the replay attempt already read: the plugin uses it as it is
            config.stash.setdefault(CACHES, {})[self.root] = self.cache
        if self.project is not None:
            config.stash.setdefault(PROJECTS, {})[self.root] = self.project

    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        self._window()
        self.send({"at": collector.nodeid})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = [item.nodeid for item in session.items]

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._window()
        self.send({"at": nodeid})

    def _window(self) -> None:
        """A collector or gate starts: what was refused since the last one belongs to no gate."""
        self.unclaimed += sandbox.REFUSALS[self._seen:]
        self._mark = self._seen = len(sandbox.REFUSALS)

    def _claim(self, nodeid: str) -> bool:
        """Fail ``nodeid`` when the code it ran was refused something since it started (a gate that caught
        the error is failed all the same)."""
        refused = sandbox.REFUSALS[self._mark:]
        self._seen = len(sandbox.REFUSALS)
        if not refused:
            return False
        self.confined.add(nodeid)
        self.results[nodeid] = confined_result(nodeid, f"project gate {nodeid}", refused, self.root)
        return True

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self._claim(report.nodeid or "conftest.py"):
            self.collection_failed = True
        elif report.failed:
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
        elif _builtin_id(report.nodeid):
            self.results[report.nodeid] = _builtin_crash(report, self.results.get(report.nodeid), self.root)
        else:
            self.results[report.nodeid] = _user_result(report, self.results.get(report.nodeid), self.root)
        if _builtin_id(report.nodeid):  # a conftest fixture around a built-in gate: not the gate's doing
            self._window()
        else:
            self._claim(report.nodeid)

    def finish(self) -> None:
        """After the session: what the project's code was refused outside every gate (importing a conftest.py,
        in one of its hooks) fails the check as one result."""
        self._window()
        if self.unclaimed:
            where = self.unclaimed[0].location
            name = where.path if where is not None else "conftest.py"
            self.results[name] = confined_result(name, f"project code in {name}", self.unclaimed, self.root)
            self.collection_failed = True

    def complete(self) -> bool:
        """Every selected item reported, every expected built-in gate among them."""
        reported = {_builtin_id(nodeid) for nodeid in self.results}
        return all(n in self.results for n in self.selected) and all(g in reported for g in self.expected)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._window()
        self.collection_failed = self.collection_failed or bool(self.unclaimed)
        with sandbox.trusted():  # stamping what the gates read is ftspec's work, wherever they read
            self._store(session, exitstatus)

    def _store(self, session: pytest.Session, exitstatus: int) -> None:
        from ftspec.pytest_plugin import COLLECTION_READS, PROJECT_INPUTS, cache_for, recording

        # An interrupted or crashed session ran only some gates: it must never be replayed as a whole check.
        if not self.signature or not recording(session.config) or exitstatus not in (0, 1) or not self.complete():
            return
        cache = cache_for(session.config, self.root)
        inputs = session.config.stash[PROJECT_INPUTS]
        for nodeid, result in self.results.items():
            if result.phase == "project" and inputs.get(nodeid) is not None and nodeid not in self.confined:
                cache.store_project(nodeid, result, inputs[nodeid] or {})
        if not self.record_run:
            return
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


def confined_result(nodeid: str, who: str, refusals: list[sandbox.Refusal], root: Path) -> GateResult:
    """A failed project result for what ``who`` was refused, located at the project line that tried."""
    fallback = Location(nodeid.split("::")[0] if (root / nodeid.split("::")[0]).is_file() else MANIFEST, 1, 1)
    findings = [Finding(r.location or fallback, sandbox.message(r, who)) for r in refusals]
    return GateResult(nodeid, "failed", findings, description="project gate", phase="project")


def _builtin_id(nodeid: str) -> str:
    """The gate id of a built-in gate's node id (``ftspec.yaml::<id>``), else ""."""
    path, _, name = nodeid.partition("::")
    return name if path == MANIFEST and name else ""


def _builtin_crash(report: pytest.TestReport, previous: GateResult | None, root: Path) -> GateResult:
    """A built-in gate that raised instead of reporting (a bug in ftspec, or it ran out of time): still the
    built-in gate, located at the manifest."""
    gate_id = _builtin_id(report.nodeid)
    if previous is not None and previous.outcome == "failed":
        return previous
    if report.skipped:
        return _user_result(report, previous, root)
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message.splitlines()[0] if crash is not None and crash.message else "raised an exception"
    fix = "" if "time limit" in message else "this is a bug in ftspec; please report it"
    return GateResult(gate_id, "failed", [Finding(Location(MANIFEST, 1, 1), f"gate {gate_id} stopped: {message}",
                                                  fix)], description="built-in gate", phase="builtin")


def _user_result(report: pytest.TestReport, previous: GateResult | None, root: Path) -> GateResult:
    name = report.nodeid
    if previous is not None and previous.outcome == "failed":
        return previous  # a teardown report must not hide the call failure
    if report.skipped:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "skipped"
        return GateResult(name, "skipped", reason=reason.removeprefix("Skipped: "), phase="project")
    if report.failed:
        finding = _crash_finding(report, name, root)
        finding = Finding(placed(finding.location), one_line(finding.message) or "failed", finding.fix)
        return GateResult(name, "failed", [finding], description="project gate", phase="project")
    return GateResult(name, "passed", phase="project", duration=report.duration)


def _crash_finding(report: Any, nodeid: str, root: Path) -> Finding:
    """Where a project gate failed: the innermost traceback entry in the project's own files (never ftspec's
    source or the standard library), else the gate's file."""
    crash = getattr(report.longrepr, "reprcrash", None)
    path = nodeid.split("::")[0] or "conftest.py"
    if crash is not None:
        message = (crash.message or "failed").strip().splitlines()
        where = _project_entry(report.longrepr, root) or Location(path, 1, 1)
        return Finding(where, message[0] if message else "failed")
    text = str(report.longrepr).strip().splitlines()
    message = text[-1].removeprefix("E").strip() if text else "failed"
    return Finding(Location(path, _error_line(text, path), 1), message or "failed",
                   "fix the file so pytest can import it")


def _project_entry(longrepr: Any, root: Path) -> Location | None:
    chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None), None, None)]
    for reprtraceback, _crash, _descr in reversed(chain):
        for entry in reversed(getattr(reprtraceback, "reprentries", []) or []):
            fileloc = getattr(entry, "reprfileloc", None)
            rel = _inside(root, str(getattr(fileloc, "path", "") or ""))
            if rel and fileloc is not None:
                return Location(rel, int(fileloc.lineno) or 1, 1)
    return None


def _inside(root: Path, path: str) -> str:
    """``path`` relative to the project root, or "" when it lies outside it (or in a library)."""
    if not path:
        return ""
    absolute = Path(path) if os.path.isabs(path) else Path.cwd() / path  # pytest writes them cwd-relative
    try:
        rel = absolute.resolve().relative_to(root)
    except (ValueError, OSError):
        return ""
    if not (root / rel).is_file():
        return ""
    return "" if ".venv" in rel.parts or "site-packages" in rel.parts else rel.as_posix()


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


def pytest_args(root: Path, hints: ManifestHints, options: CheckOptions, nodeids: list[str] | None = None) -> list[str]:
    """The pytest command line for a project: its manifest and its own gates folder (or just these node ids)."""
    targets = [str(root / MANIFEST)] if nodeids is None else [_target(root, nodeid) for nodeid in nodeids]
    gates_dir = root / hints.gates_dir
    if nodeids is None and gates_dir.is_dir() and not outside(root, gates_dir):  # `paths.gates: /` must not
        targets.append(str(gates_dir))  # walk the file system
    # importlib mode: projects' gate modules never clash in sys.modules (several checks in one process).
    # A project gate file that does not import must not hide every other gate: collect on, report it as failed.
    # ftspec owns pytest's configuration: -c on an empty file, so no pytest.ini, pyproject.toml, tox.ini or
    # setup.cfg of the project can add options (--collect-only, -k, -p no:ftspec); conftest.py files only from the
    # project down. Project settings go through ftspec.yaml.
    args = [*targets, "-c", os.devnull, f"--rootdir={root}", f"--confcutdir={root}", "--import-mode=importlib",
            "--continue-on-collection-errors", f"--ftspec-timeout={hints.timeout:g}", *_DISABLED,
            "-o", "python_files=test_*.py *_test.py", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if options.keyword:
        args += ["-k", options.keyword]
    if options.exitfirst:
        args.append("-x")
    args += ["-p", "no:junitxml"]  # ftspec writes JUnit itself (report/junit.py): pytest's fails junit-10.xsd
    if not options.cache:
        args.append("--ftspec-no-cache")
    elif not options.extra_args:
        args.append("--ftspec-record")
    return args + options.extra_args


def _target(root: Path, nodeid: str) -> str:
    """A node id (relative to the project root) as a pytest argument that works from any directory."""
    path, sep, rest = nodeid.partition("::")
    return f"{root / path}{sep}{rest}"


def run_check(options: CheckOptions) -> CheckRun:
    """Run the gates of the project at ``options.path``; returns the run for a reporter.

    When the last check with the same options left a fresh result for every gate it ran, those results are
    replayed and pytest is not started (see :mod:`ftspec.cache`)."""
    root = find_root(options.path)
    _recover_decide(root)
    hints = ManifestHints.read(root)
    started = time.perf_counter()
    signature = run_signature(hints, options)
    cache = ResultCache(root) if options.cache else None  # read once: a check that cannot replay runs with it
    replayed = cache.replay(signature) if cache is not None and _replayable(options) else None
    if replayed is not None:
        run = CheckRun(hints.project, str(root), replayed, _exit_code(replayed))
    else:
        from ftspec.direct import run_direct  # stale built-in gates run without pytest, stale project gates alone

        rerun = _project_rerun(root, hints, options, signature, cache)
        run = run_direct(root, hints, options, signature, cache, rerun) or _run_pytest(root, hints, options, signature,
                                                                                     cache)
    run.duration = time.perf_counter() - started
    if options.junitxml:
        from ftspec.report.junit import write_junit

        write_junit(run, options.junitxml)
    return run


def _recover_decide(root: Path) -> None:
    """A decide killed in the project's repository is undone before its files are checked (the CLI's own
    recovery looks only at the current directory, and a check may be given a path elsewhere)."""
    from ftspec.journal import find_git_dir

    git_dir = find_git_dir(root)
    if git_dir is not None:
        from ftspec.commands.decide import recover

        recover(git_dir)


def run_signature(hints: ManifestHints, options: CheckOptions) -> str:
    """The options that decide which gates a check runs: a replay must have been recorded with the same."""
    return json.dumps({"keyword": options.keyword, "exitfirst": options.exitfirst, "gates_dir": hints.gates_dir,
                       "plugins": list(hints.plugins)}, sort_keys=True)


def _replayable(options: CheckOptions) -> bool:
    """Extra pytest arguments may change anything (JUnit XML is written from the results, replayed or not)."""
    return not options.extra_args


def _exit_code(results: list[GateResult]) -> int:
    """pytest's exit code for these outcomes."""
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _run_pytest(root: Path, hints: ManifestHints, options: CheckOptions, signature: str,
                cache: ResultCache | None) -> CheckRun:
    """Run the session where the project cannot cut it short (see :mod:`ftspec.commands.check_session`)
    and keep only a complete report."""
    from ftspec.commands.check_session import run_session, verify

    expected = expected_gates(root, options.keyword, cache)
    args = pytest_args(root, hints, options)
    with tempfile.TemporaryDirectory(prefix="ftspec-check-", ignore_cleanup_errors=True) as scratch:
        # the session's only temporary folder (see ftspec.sandbox): tmp_path without pytest's sweeping of
        # other runs' folders, and nothing the project writes there outlives the check
        args = _with_basetemp(args, options, scratch)
        report = run_session(_session(root, hints, args, signature, cache, expected), hints.timeout,
                             confine=lambda: _confine(root, hints, scratch))
    if report.exit_code == USAGE_ERROR:
        raise UsageError(_usage_message(report.output, root))
    results = verify(report, expected, root, options.exitfirst)
    code = _exit_code(results)
    if report.exit_code == INTERRUPTED or (code == 0 and report.exit_code == NO_TESTS and not results):
        code = report.exit_code  # Ctrl-C (or a gate raising KeyboardInterrupt); -k selecting nothing
    return CheckRun(hints.project, str(root), results, code)


def _project_rerun(root: Path, hints: ManifestHints, options: CheckOptions, signature: str,
                   cache: ResultCache | None) -> Callable[[list[str], Project], Callable[[], ProjectRun | None]]:
    """How :func:`ftspec.direct.run_direct` reruns the project gates whose inputs changed, in a forked child as
    every session, started at once (the function it returns waits for it): the plain ones that pass called
    without pytest (see :mod:`ftspec.plain_gates`), the rest in a session of just those node ids. That gives None
    unless every one of them was reported and the session ended normally (or was interrupted): a gate that
    ended the process or hung, a collection error, then the whole check runs through pytest, which reports it as
    it always does."""

    def rerun(nodeids: list[str], project: Project) -> Callable[[], ProjectRun | None]:
        from ftspec.commands.check_session import start_session

        scratch = tempfile.mkdtemp(prefix="ftspec-check-")  # as in _run_pytest: the session's only temp folder

        def session(send: Send) -> SessionReport:
            """The plain gates called without pytest (see ftspec.plain_gates), a pytest session for the rest."""
            from ftspec.commands.check_session import SessionReport
            from ftspec.plain_gates import run_plain

            plain = run_plain(root, nodeids, project, hints.timeout, send)
            _store_plain(cache, plain)
            if not plain.pending:
                return SessionReport(dict(plain.passed), list(nodeids), 0)
            args = _with_basetemp(pytest_args(root, hints, options, plain.pending), options, scratch)
            report = _session(root, hints, args, signature, cache, [], record_run=False, project=project)(send)
            report.results = {**plain.passed, **report.results}
            return report

        finish = start_session(session, hints.timeout, confine=lambda: _confine(root, hints, scratch))

        def outcome() -> ProjectRun | None:
            from ftspec.direct import ProjectRun

            try:
                report = finish()
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            if report.exit_code == USAGE_ERROR:
                raise UsageError(_usage_message(report.output, root))
            if report.exit_code == INTERRUPTED:
                return ProjectRun(report.results, interrupted=True)
            if report.exit_code not in (0, 1) or set(report.results) != set(nodeids):
                return None
            return ProjectRun(report.results)

        return outcome

    return rerun


def _store_plain(cache: ResultCache | None, plain: PlainRun) -> None:
    """Keep what the gates that passed without pytest need for a replay, as a session's recorder keeps it."""
    if cache is None:
        return
    with sandbox.trusted():
        for nodeid, result in plain.passed.items():
            inputs = plain.inputs.get(nodeid)
            if inputs is not None:
                cache.store_project(nodeid, result, inputs)
        if not plain.pending:
            cache.save()  # else the session saves it, with the rest


def _session(root: Path, hints: ManifestHints, args: list[str], signature: str, cache: ResultCache | None,
             expected: list[str], record_run: bool = True,
             project: Project | None = None) -> Callable[[Send], SessionReport]:
    def session(send: Send) -> SessionReport:
        import pytest

        from ftspec.commands.check_session import SessionReport

        recorder = Recorder(root, signature, hints.gates_dir, cache, send=send, expected=expected,
                            record_run=record_run, project=project)
        with _owned_environment(), _no_autoload(list(hints.plugins)) as plugin_args, _quiet() as captured:
            exit_code = int(pytest.main(plugin_args + args, plugins=[recorder]))
        recorder.finish()
        return SessionReport(recorder.results, recorder.selected, exit_code, captured.getvalue())

    return session


def _with_basetemp(args: list[str], options: CheckOptions, scratch: str) -> list[str]:
    """``args`` with pytest's --basetemp in ``scratch``, before the user's own extra arguments."""
    at = len(args) - len(options.extra_args)
    return [*args[:at], f"--basetemp={os.path.join(scratch, 'tmp')}", *args[at:]]


def _confine(root: Path, hints: ManifestHints, scratch: str) -> None:
    """In the session's child, before any project code is imported: see :mod:`ftspec.sandbox`."""
    sandbox.install(root, hints.allow_outside, scratch)


def expected_gates(root: Path, keyword: str | None, cache: ResultCache | None) -> list[str]:
    """The built-in gates a check must report: every registered gate, or those ``-k`` selects (matched the way
    pytest matches a gate item: its id, ``ftspec.yaml`` and its ``ftspec_gate`` marker)."""
    from ftspec.pytest_plugin import gate_metadata

    ids = [str(meta["id"]) for meta in gate_metadata(cache or ResultCache(root, enabled=False))]
    if not keyword:
        return ids
    from _pytest.mark.expression import Expression  # what pytest's -k itself compiles

    try:
        expression = Expression.compile(keyword)
    except Exception:  # noqa: BLE001 - SyntaxError, or ParseError before pytest 9: pytest reports it as usage
        return []

    def matcher(gate_id: str) -> Callable[..., bool]:
        names = (gate_id, MANIFEST, "ftspec_gate")
        return lambda name, **kwargs: not kwargs and any(name.lower() in n.lower() for n in names)

    return [gate_id for gate_id in ids if expression.evaluate(matcher(gate_id))]


# Environment variables through which pytest would take options or plugins from outside ftspec's command line.
_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


@contextlib.contextmanager
def _owned_environment() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in _PYTEST_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """pytest's own messages (usage errors) are captured and re-raised as one line."""
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer), contextlib.redirect_stdout(buffer):
        yield buffer


def _usage_message(text: str, root: Path) -> str:
    """One line naming where pytest's usage error comes from: a conftest.py, a plugin of
    check.pytest_plugins, or the -k expression."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower()]
    detail = (errors or lines or ["pytest rejected the arguments"])[-1].removeprefix("ERROR: ").removeprefix("E ")
    conftest = next((m for ln in lines if (m := re.search(r"conftest '([^']+)'", ln))), None)
    if conftest is not None:
        rel = _inside(root, conftest.group(1)) or "conftest.py"
        last = lines[-1].removeprefix("E").strip()
        line = _error_line(lines, rel)
        return f"{rel}:{line}:1: cannot be loaded: {last}. fix {rel} so that pytest can import it"
    plugin = next((m for ln in lines if (m := re.search(r'Error importing plugin "([^"]+)"', ln))), None)
    if plugin is not None:
        where = _manifest_location(root, ("check", "pytest_plugins"))
        return (f"{where.prefix()}: plugin {plugin.group(1)!r} cannot be imported ({detail}). install it, "
                "or remove it from check.pytest_plugins")
    return f"usage error: {detail}. check the -k expression and options"


def _manifest_location(root: Path, keypath: tuple[str, ...]) -> Location:
    try:
        doc = load_yaml(root / MANIFEST, MANIFEST)
    except FtspecError:
        return Location(MANIFEST, 1, 1)
    return doc.locate(keypath)


def check(options: CheckOptions) -> int:
    """Run `ftspec check` and print the report; returns pytest's exit code."""
    if options.format not in REPORTERS:
        raise UsageError(f"unknown format '{options.format}'. use one of: {', '.join(REPORTERS)}")
    # ftspec's spec models need no pydantic plugin, and looking for one scans every installed distribution's
    # entry points (~25 ms of each check with the train extra installed). A value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    run = run_check(options)
    run.verbosity = options.verbosity
    if options.output is None:
        from ftspec.report.text import use_color

        run.color = use_color()
    text = REPORTERS[options.format](run)
    if options.output:
        options.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return run.exit_code
