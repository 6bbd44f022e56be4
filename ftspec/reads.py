"""What a project's own gate read while it ran, so its result can be replayed while those inputs are unchanged.

Built-in gates read through :class:`~ftspec.project.Project`, which records every file. A project's own gates are
arbitrary Python, so they are watched instead: Python's audit hooks (PEP 578) report every ``open`` and every
event with a side effect, and ``os.stat``/``os.lstat``/``os.access`` are wrapped for the duration, so that
``Path.exists()`` and friends count as reads too. A gate whose run shows anything but reading files (writing,
listing a project directory, a subprocess, a socket, changing the environment, reading /dev or /proc) is *impure*
and never replayed. Reads of Python's own files and installed libraries are not inputs (their versions are part
of the cache's code fingerprint); neither are ftspec's own modules.

What no hook sees: the clock, random numbers and environment variable reads. A gate that depends on those must
be marked ``@pytest.mark.ftspec_no_cache``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftspec.project import Project

from ftspec.errors import ProjectNotFound
from ftspec.paths import find_root, relative, stamp

# Events that have no effect outside the interpreter and read nothing a result could depend on.
_HARMLESS = frozenset({
    "import", "exec", "compile", "marshal.loads", "marshal.load", "marshal.dumps", "object.__getattr__",
    "object.__setattr__", "object.__delattr__", "builtins.id", "sys._getframe", "sys._getframemodulename",
    "code.__new__", "function.__new__", "ctypes.dlsym", "sys.excepthook", "time.sleep", "gc.get_referrers",
    "gc.get_referents", "gc.get_objects", "sys.settrace", "sys.setprofile", "cpython.run_command",
    "pickle.find_class", "sys.addaudithook",
})
# pytest itself sets this variable around every phase of every test.
_PYTEST_ENV = "PYTEST_CURRENT_TEST"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


@dataclass
class ReadLog:
    """The files one watched stretch of code read, or why its result cannot be replayed."""

    paths: set[str] = field(default_factory=set)
    impure: str = ""
    listing_ok: bool = False  # pytest's collection lists folders; what it finds is stamped separately

    def note(self, path: str | Path) -> None:
        """Count ``path`` as read (what the watched code read without an event: a module imported before)."""
        _note_path(self, path)

    def refuse(self, reason: str) -> None:
        if not self.impure:
            self.impure = reason


_ACTIVE: list[ReadLog | None] = []  # None: paused, ftspec's own work inside a watched block
_INSTALLED = False


def _library_roots() -> tuple[str, ...]:
    package = str(Path(__file__).resolve().parent)
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, package}
    paths = {os.path.join(os.path.abspath(r), "") for r in roots if r}
    return tuple(sorted(paths | {os.path.join(os.path.realpath(r), "") for r in roots if r}))


_LIBRARY = _library_roots()
_STAT = os.stat  # unwatched: ftspec's own look at a path is not the gate's read
_DEVICES = ("/dev/", "/proc/", "/sys/")


def _note_path(log: ReadLog, raw: Any) -> None:
    if isinstance(raw, int):
        log.refuse("read from a file descriptor")
        return
    try:
        path = os.path.abspath(os.fsdecode(raw))  # not realpath: that stats, and the stats are watched
    except (TypeError, ValueError):
        log.refuse("read an unnamed file")
        return
    if path.startswith(_DEVICES):
        log.refuse(f"read {path}")
    elif not (path.startswith(_LIBRARY) or path.endswith(".pyc") or _above_library(path)):
        log.paths.add(path)


def _above_library(path: str) -> bool:
    """A folder on the way to a library (resolving a library path stats each of them)."""
    folder = os.path.join(path, "")
    return any(root.startswith(folder) for root in _LIBRARY)


def open_writes(args: tuple[Any, ...]) -> bool:
    """Whether an ``open`` audit event's (path, mode, flags) opens the file for writing (or creates it)."""
    _path, mode, flags = (args + (None, None, 0))[:3]
    return (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)


def _on_open(log: ReadLog, args: tuple[Any, ...]) -> None:
    path = args[0] if args else None
    if open_writes(args):
        log.refuse(f"wrote {path}")
    elif path is not None:
        _note_path(log, path)


def _on_listing(log: ReadLog, args: tuple[Any, ...]) -> None:
    target = os.path.abspath(os.fsdecode(args[0])) if args and args[0] is not None else os.getcwd()
    if log.listing_ok or os.path.join(target, "").startswith(_LIBRARY) or _import_probe(target):
        return  # imports list libraries
    log.refuse(f"listed {target}")


def _import_probe(target: str) -> bool:
    """The import system looking into a ``sys.path`` entry that is no folder (a path hook's name, such as an
    editable install's finder, the first time a module is imported after it): nothing is read."""
    if not any(isinstance(entry, str) and os.path.abspath(entry) == target for entry in sys.path):
        return False
    try:
        return not stat.S_ISDIR(_STAT(target).st_mode)
    except OSError:
        return True


# File-system events that are harmless when they touch only bytecode caches (Python and pytest's assertion
# rewriting write .pyc files into __pycache__ folders while importing).
_BYTECODE_EVENTS = frozenset({"open", "os.rename", "os.mkdir", "os.remove", "os.chmod", "os.utime"})


def _bytecode_only(args: tuple[Any, ...]) -> bool:
    names = [os.fsdecode(a) for a in args if isinstance(a, str | bytes | os.PathLike)]
    return bool(names) and all(f"{os.sep}__pycache__{os.sep}" in n or n.endswith(f"{os.sep}__pycache__")
                               for n in names)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _ACTIVE or _ACTIVE[-1] is None or event in _HARMLESS:
        return
    if event in _BYTECODE_EVENTS and _bytecode_only(args[:2] if event == "os.rename" else args[:1]):
        return
    log = _ACTIVE[-1]
    if event == "open":
        _on_open(log, args)
    elif event in ("os.listdir", "os.scandir"):
        _on_listing(log, args)
    elif event in ("os.putenv", "os.unsetenv") and args and os.fsdecode(args[0]) == _PYTEST_ENV:
        return
    else:
        log.refuse(event)


def _stat_watcher(original: Callable[..., Any]) -> Callable[..., Any]:
    def watched(path: Any, *args: Any, **kwargs: Any) -> Any:
        if _ACTIVE and _ACTIVE[-1] is not None:
            _note_path(_ACTIVE[-1], path)
        return original(path, *args, **kwargs)

    return watched


@contextlib.contextmanager
def watching(listing_ok: bool = False) -> Iterator[ReadLog]:
    """Record what the code inside the block reads (see the module docstring)."""
    global _INSTALLED
    if not _INSTALLED:
        sys.addaudithook(_audit)  # cannot be removed: it does nothing while no block is active
        _INSTALLED = True
    log = ReadLog(listing_ok=listing_ok)
    saved = os.stat, os.lstat, os.access
    os.stat, os.lstat, os.access = (_stat_watcher(f) for f in saved)
    _ACTIVE.append(log)
    try:
        yield log
    finally:
        _ACTIVE.pop()
        os.stat, os.lstat, os.access = saved


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """ftspec's own work inside a watched block (its cache, its gate registry) is not the gate's input."""
    _ACTIVE.append(None)
    try:
        yield
    finally:
        _ACTIVE.pop()


def file_inputs(root: Path, paths: set[str]) -> dict[str, str]:
    """Cache inputs for the files read, relative to the project root; ftspec's own cache folder is not one."""
    own = os.path.join(str(root), ".ftspec", "")
    return {f"file:{relative(root, Path(p))}": stamp(Path(p)) for p in sorted(paths) if not p.startswith(own)}


def gate_inputs(gate_file: Path, log: ReadLog, projects: Mapping[Path, Project]) -> dict[str, str] | None:
    """The inputs a replay of a project gate's result depends on (the files its run read and the values it took
    from its project, ``projects`` by root), or None when it must always run."""
    if log.impure:
        return None
    try:
        root = find_root(gate_file.parent)
    except ProjectNotFound:
        return None
    inputs = file_inputs(root, log.paths)
    project = projects.get(root)
    if project is not None:
        inputs.update(project.recording)
    return inputs


def project_modules(root: Path) -> set[str]:
    """Source files of the modules imported from inside the project (a gate's helpers): Python reads their
    cached bytecode and only stats the source, which no hook sees, so they are inputs in their own right."""
    prefix = os.path.join(str(root), "")
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            path = os.path.abspath(path)
            if path.startswith(prefix) and not path.startswith(_LIBRARY):
                files.add(path)
    return files
