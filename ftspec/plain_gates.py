"""A project's own gates that are plain functions, run without a pytest session; pytest runs the rest.

After an edit, the project gates whose inputs changed run again (see :mod:`ftspec.direct`). Starting pytest
for them (importing it, configuring a session, collecting) costs several times what most of them take to run.
Most project gates are plain functions of ftspec's fixtures (``def test_x(rubric): assert ...``), and when such
a gate passes, pytest would report exactly that: passed. So each one is first called here, in the confined
child that would run the session, and only what this cannot vouch for is left to pytest:

- a gate that is not plain: its module imports pytest (fixtures, marks, ``pytest.raises``, ``pytest.skip``),
  defines module or function setup/teardown or ``pytestmark``, or the function is a method, parametrized,
  decorated, a coroutine or generator, or asks for a fixture that is not one of ftspec's;
- a gate that does not pass: it raises anything (a failed assert, an invalid artifact, its time limit), returns
  a value, or is refused something by the sandbox. pytest runs it again and reports it as always, with its
  assertion rewriting; so a gate that fails or hangs runs twice, and one that hangs takes twice its time limit.

What a passed gate read is recorded as the plugin records it (the same watch, the same inputs), so its result is
replayed by later checks exactly as one pytest reported. The modules imported here from the project are dropped
before pytest runs, so pytest imports (and rewrites) them afresh.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ftspec import gate_fixtures, sandbox
from ftspec.alarm import time_limit
from ftspec.paths import find_root
from ftspec.reads import gate_inputs, watching
from ftspec.results import GateResult

if TYPE_CHECKING:
    from ftspec.project import Project

# Module attributes pytest acts on: a module with any of them is left to pytest.
PYTEST_HOOKS = ("pytestmark", "pytest_plugins", "setup_module", "teardown_module", "setUpModule", "tearDownModule",
                "setup_function", "teardown_function")


PYTEST_IMPORT = re.compile(rb"^[ \t]*(?:import|from)[ \t]+_?pytest\b", re.MULTILINE)


class NotPlain(Exception):
    """This gate is pytest's to run."""


@dataclass
class PlainRun:
    """The gates that passed here (each with the inputs its result depends on, or None: never replay it), and the
    node ids pytest must run, in the order given."""

    passed: dict[str, GateResult] = field(default_factory=dict)
    inputs: dict[str, dict[str, str] | None] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)


def run_plain(root: Path, nodeids: list[str], project: Project, timeout: float,
              send: Callable[[dict[str, Any]], None]) -> PlainRun:
    """Call each plain gate of ``nodeids`` (project-relative pytest node ids); see the module docstring."""
    run = PlainRun()
    before = set(sys.modules)
    for nodeid in nodeids:
        send({"at": nodeid})
        try:
            result, inputs = _attempt(root, nodeid, project, timeout)
        except NotPlain:
            run.pending.append(nodeid)
            continue
        run.passed[nodeid], run.inputs[nodeid] = result, inputs
    if run.pending:
        _forget_project_modules(root, before)
    return run


def _attempt(root: Path, nodeid: str, project: Project, timeout: float) -> tuple[GateResult, dict[str, str] | None]:
    path_text, _, name = nodeid.partition("::")
    path = root / path_text
    function = _plain_function(root, path, name)
    refused = len(sandbox.REFUSALS)
    project.recording = {}  # as the plugin does before every gate: what this one takes from the project
    with watching() as log:
        try:
            with time_limit(timeout, lambda: TimeoutError(f"ran past its time limit of {timeout:g} s")):
                kwargs = _fixtures(root, path, function, project)
                started = time.perf_counter()
                value = function(**kwargs)
                duration = time.perf_counter() - started
        except BaseException as exc:  # noqa: BLE001 - whatever it raised, pytest reports it (KeyboardInterrupt too)
            raise NotPlain(nodeid) from exc
    log.note(path)  # its own source: pytest reads it while it runs a gate (to locate it), so it is an input there
    if value is not None or len(sandbox.REFUSALS) != refused:
        raise NotPlain(nodeid)  # pytest warns about the value; a refusal fails the gate
    with sandbox.trusted():  # stamping what the gate read is ftspec's work
        inputs = gate_inputs(path, log, {root: project})
    return GateResult(nodeid, "passed", phase="project", duration=duration), inputs


def _plain_function(root: Path, path: Path, name: str) -> Callable[..., Any]:
    """The gate function ``name`` of the module at ``path``, imported as pytest imports it; NotPlain unless it
    is plain (see the module docstring)."""
    if not name.isidentifier() or path.suffix != ".py":
        raise NotPlain(name)  # a method of a class, a parametrized id
    if _imports_pytest(path):
        raise NotPlain(name)  # known before importing it: pytest imports it once, with its rewriting
    had_pytest = "pytest" in sys.modules
    module = _import(root, path)
    if (not had_pytest and "pytest" in sys.modules) or _uses_pytest(module):
        raise NotPlain(name)
    function = module.__dict__.get(name)
    if not inspect.isfunction(function) or _special(function):
        raise NotPlain(name)
    return function


def _imports_pytest(path: Path) -> bool:
    """The module's source imports pytest at the start of a line (what most modules that use it do; any other
    way is seen once it is imported)."""
    try:
        source = path.read_bytes()
    except OSError:
        return False  # its import fails the same way, and pytest reports it
    return PYTEST_IMPORT.search(source) is not None


def _import(root: Path, path: Path) -> ModuleType:
    try:
        from _pytest.pathlib import ImportMode, import_path  # without pytest itself: ~20 ms, not ~300

        return import_path(path, mode=ImportMode.importlib, root=root, consider_namespace_packages=False)
    except BaseException as exc:  # noqa: BLE001 - an import error (or another pytest's API): pytest reports it
        raise NotPlain(str(path)) from exc


def _uses_pytest(module: ModuleType) -> bool:
    """The module acts on pytest: a hook name pytest looks for, or anything of pytest's among its globals (the
    module itself, a fixture, a mark, ``raises``), which could give a gate other fixtures or outcomes."""
    if any(hasattr(module, hook) for hook in PYTEST_HOOKS):
        return True
    for key, value in list(vars(module).items()):
        if key.startswith("@") or (key.startswith("__") and key.endswith("__")):
            continue  # the import's own (__loader__, ...); @pytest_ar, @py_builtins: a pytest in this process
            # rewrote its asserts, which changes what a failure says, never whether it passes
        try:
            names = (value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None),
                     type(value).__module__)
        except Exception:  # noqa: BLE001 - an object whose attributes raise: not a plain module
            return True
        if any(isinstance(n, str) and n.split(".")[0] in ("pytest", "_pytest") for n in names):
            return True
    return False


def _special(function: Callable[..., Any]) -> bool:
    """Anything about the function pytest would treat otherwise than a plain call with ftspec's fixtures."""
    if (inspect.iscoroutinefunction(function) or inspect.isgeneratorfunction(function)
            or inspect.isasyncgenfunction(function) or hasattr(function, "__wrapped__")
            or hasattr(function, "pytestmark") or getattr(function, "__test__", True) is not True):
        return True
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty or p.name not in gate_fixtures.NAMES
               for p in parameters)


def _fixtures(root: Path, path: Path, function: Callable[..., Any], project: Project) -> dict[str, Any]:
    """The function's arguments, resolved as the plugin's fixtures resolve them (its project found from the
    gate's folder, as ``ftspec_project`` finds it)."""
    if find_root(path.parent) != root:
        raise NotPlain(str(path))  # the gate belongs to another project below this one
    return {name: gate_fixtures.value(project, name) for name in inspect.signature(function).parameters}


def _forget_project_modules(root: Path, before: set[str]) -> None:
    """Drop the modules imported since ``before`` from the project's files (and the package entries made for
    them), so pytest imports them afresh with its assertion rewriting instead of reusing these."""
    inside = os.path.join(str(root), "")
    added = [name for name in sys.modules if name not in before]
    dropped = [name for name in added if str(getattr(sys.modules[name], "__file__", None) or "").startswith(inside)]
    for name in dropped:
        del sys.modules[name]
    for name in added:
        if name in sys.modules and getattr(sys.modules[name], "__file__", None) is None and any(
                d.startswith(name + ".") for d in dropped):
            del sys.modules[name]
