"""Confinement of a project's own Python gates: an audit hook (PEP 578) refuses what would leave the project.

Installed once, in the forked child that runs a check's pytest session, before any conftest.py or gate module
is imported. From then on a file event (``open``, listing a folder, rename, remove, link, ...) whose path
resolves, after following symlinks, outside the project root raises :class:`Confined`, unless the path lies in:

- the Python installation and the ``sys.path`` entries of the moment the hook was installed (read only:
  imports; a gate appending to ``sys.path`` later widens nothing);
- the check's own scratch folder, read and write: it is the temporary folder of the session (``tempfile``)
  and pytest's ``--basetemp`` (``tmp_path``), made fresh for each check and removed after it;
- ``/dev/null``;
- an ``allow_outside`` location of ftspec.yaml (read only: it names what the project may read).

Starting a process (``subprocess``, ``os.system``, ``os.exec*``, ``os.posix_spawn``, ``os.spawn*``) is refused
outright: no hook follows a child process, so allowing one would undo the rest. Every refusal is also kept, so
a gate that catches the error still fails; ftspec's own code (built-in gates, its cache) runs under
:func:`trusted`.

What an audit hook cannot stop: code that calls the C library directly (``ctypes``, a compiled extension
module), file descriptors inherited or passed in, and Python code that goes looking for this module's state
(``gc``, frame objects). It keeps honest mistakes and casual reads out of a report; it is not a security
boundary against a determined attacker, which needs an operating-system sandbox (a container, seccomp).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftspec.errors import Location
from ftspec.paths import escaped
from ftspec.reads import open_writes


class Confined(PermissionError):
    """A project gate tried to leave the project; the message names the path, never what is in it."""


@dataclass(frozen=True)
class Refusal:
    """One refused event: what was tried (read, write, run), on which path, from where in the project."""

    action: str
    target: str
    location: Location | None


# File events: for each path argument, whether it is read (r) or written (w), its position, and the position of
# the folder descriptor a relative path is taken from (``dir_fd``; shutil.rmtree works that way), if any.
_R, _W = "r", "w"
_FILE_EVENTS: dict[str, tuple[tuple[str, int, int | None], ...]] = {
    "os.listdir": ((_R, 0, None),), "os.scandir": ((_R, 0, None),), "os.listxattr": ((_R, 0, None),),
    "os.getxattr": ((_R, 0, None),), "os.setxattr": ((_W, 0, None),), "os.removexattr": ((_W, 0, None),),
    "os.remove": ((_W, 0, 1),), "os.rmdir": ((_W, 0, 1),), "os.mkdir": ((_W, 0, 2),),
    "os.rename": ((_W, 0, 2), (_W, 1, 3)), "os.link": ((_R, 0, 2), (_W, 1, 3)), "os.symlink": ((_W, 1, 2),),
    "os.chmod": ((_W, 0, 2),), "os.chown": ((_W, 0, 3),), "os.utime": ((_W, 0, 3),), "os.truncate": ((_W, 0, None),),
    "shutil.copyfile": ((_R, 0, None), (_W, 1, None)), "shutil.copytree": ((_R, 0, None), (_W, 1, None)),
    "shutil.move": ((_W, 0, None), (_W, 1, None)), "shutil.rmtree": ((_W, 0, None),),
    "shutil.copymode": ((_R, 0, None), (_W, 1, None)), "shutil.copystat": ((_R, 0, None), (_W, 1, None)),
    "shutil.chown": ((_W, 0, None),),
}
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                             "os.startfile", "pty.spawn"})


@dataclass(frozen=True)
class Policy:
    """Where a confined gate may read and write (absolute, resolved folder prefixes ending in a separator)."""

    root: str
    writable: tuple[str, ...]
    readable: tuple[str, ...]
    fast: tuple[str, ...]  # library folders: read without resolving (nothing in the project can write there)
    listable: frozenset[str] = frozenset()  # sys.path folders: the import system lists them (names only)


_STATE: dict[str, Any] = {"policy": None, "trusted": 0}
REFUSALS: list[Refusal] = []


def _folder(path: str) -> str:
    return os.path.join(os.path.realpath(path), "")


def policy(root: Path, allow_outside: Sequence[str] = (), scratch: str = "") -> Policy:
    """The confinement of the project at ``root`` (resolved), with ``scratch`` as its temporary folder."""
    base = str(root.resolve())
    inside = os.path.join(base, "")
    cwd = os.getcwd()
    entries = [p for p in sys.path if p and os.path.abspath(p) != cwd]  # the working directory is no library
    libraries = {_folder(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *entries)}
    libraries.add(_folder(str(Path(__file__).parent)))  # ftspec's own modules, wherever it was started from
    libraries.update(_folder(p) for p in _metadata_folders())
    libraries = {p for p in libraries if not p.startswith(inside) and not inside.startswith(p)}
    allowed = {_folder(str(root / a)) for a in allow_outside}
    temp = _folder(scratch or tempfile.gettempdir())
    listable = frozenset(os.path.abspath(p or cwd) for p in sys.path)
    return Policy(inside, (inside, temp), tuple(sorted(libraries | allowed | {temp, inside})), tuple(sorted(libraries)),
                  listable)


def _metadata_folders() -> list[str]:
    """Every installed distribution's metadata folder (``*.dist-info``, ``*.egg-info``), read only: pytest reads
    their entry points while it starts. An editable install keeps ftspec's next to its source, which need not
    be on ``sys.path`` (a clone whose working directory, left out above, is where the metadata was found)."""
    from importlib import metadata

    found = (getattr(d, "_path", None) for d in metadata.distributions())
    names = (os.path.abspath(os.fspath(p)) for p in found if isinstance(p, os.PathLike | str))
    # a real folder with a metadata name only: a link named x.dist-info must not open the place it points at
    return [n for n in names if n.endswith((".dist-info", ".egg-info")) and os.path.isdir(n)
            and not os.path.islink(n)]


def install(root: Path, allow_outside: Sequence[str] = (), scratch: str = "") -> None:
    """Confine everything this process runs from now on to the project at ``root`` (see the module docstring),
    with ``scratch`` (a fresh folder) as the only temporary folder. Call it once, in the process that will
    import the project's code; it cannot be undone."""
    first = _STATE["policy"] is None
    if scratch:
        tempfile.tempdir = scratch  # pytest's capture files, and whatever else asks tempfile
    _STATE["policy"] = policy(root, allow_outside, scratch)
    if first:
        sys.addaudithook(_audit)


@contextlib.contextmanager
def trusted() -> Iterator[None]:
    """ftspec's own work (a built-in gate, its cache) is not confined."""
    _STATE["trusted"] += 1
    try:
        yield
    finally:
        _STATE["trusted"] -= 1


def _audit(event: str, args: tuple[Any, ...]) -> None:
    rule = _FILE_EVENTS.get(event)
    if event != "open" and rule is None and event not in _PROCESS_EVENTS:
        return
    rules: Policy | None = _STATE["policy"]
    if rules is None or _STATE["trusted"]:
        return
    if event in _PROCESS_EVENTS:
        _refuse(rules, "run", _command(args))
    elif event == "open":
        _check_open(rules, args)
    else:
        if event in ("os.listdir", "os.scandir") and _folder_name(args) in rules.listable:
            return  # the import system looking for a module
        for kind, at, folder in rule or ():
            if at < len(args):
                _check(rules, args[at], kind, args[folder] if folder is not None and folder < len(args) else None)


def _folder_name(args: tuple[Any, ...]) -> str:
    try:
        return os.path.abspath(os.fsdecode(args[0] if args and args[0] is not None else "."))
    except (TypeError, ValueError):
        return ""


def _check_open(rules: Policy, args: tuple[Any, ...]) -> None:
    _check(rules, args[0] if args else None, "w" if open_writes(args) else "r")


def _check(rules: Policy, raw: Any, kind: str, dir_fd: Any = None) -> None:
    if raw is None or isinstance(raw, int):
        return  # an open descriptor: the path it came from was checked when it was opened
    try:
        name = os.path.join(_descriptor_path(dir_fd), os.fsdecode(raw))
    except (TypeError, ValueError):
        return  # not a path the OS would accept either
    name = os.path.abspath(name)
    if kind == "r" and name.startswith(rules.fast):
        return
    target = _resolve(name)
    if target == os.devnull:
        return
    folder = os.path.join(target, "")
    if folder.startswith(rules.writable if kind == "w" else rules.readable):
        return
    if kind == "w" and folder.startswith(rules.fast) and f"{os.sep}__pycache__{os.sep}" in folder:
        # Python and pytest write bytecode next to a library module they import, and give up quietly when
        # they cannot: refused (a gate must not plant bytecode in the installation), but nobody tried anything
        raise Confined("bytecode is not written into the Python installation during a check")
    _refuse(rules, "write" if kind == "w" else "read", target)


def _descriptor_path(dir_fd: Any) -> str:
    """The folder an open folder descriptor stands for (the working directory when there is none)."""
    if not isinstance(dir_fd, int) or dir_fd < 0:
        return os.getcwd()
    try:
        return os.readlink(f"/proc/self/fd/{dir_fd}")
    except OSError:
        return "/proc/self/fd/unknown"  # cannot tell where it is: refused as outside


def _resolve(name: str) -> str:
    from ftspec.reads import paused  # its stat watcher must not count the resolution as the gate's reads

    with paused():
        return os.path.realpath(name)


def _command(args: tuple[Any, ...]) -> str:
    first: Any = args[0] if args else ""
    if isinstance(first, list | tuple) and first:
        first = first[0]
    try:
        text = os.fsdecode(first) if first is not None else ""
    except TypeError:
        text = ""
    return escaped(text.split()[0] if text.split() else "a process")


def _refuse(rules: Policy, action: str, target: str) -> None:
    refusal = Refusal(action, escaped(target), _project_frame(rules.root))
    REFUSALS.append(refusal)
    raise Confined(message(refusal, "a project gate"))


def _project_frame(inside: str) -> Location | None:
    """The innermost line of the project's own code on the stack (the line that tried)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if name.startswith(inside):
            return Location(escaped(name[len(inside):]), frame.f_lineno or 1, 1)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def message(refusal: Refusal, who: str) -> str:
    """What a refusal is reported as (one line; the path, never its content)."""
    if refusal.action == "run":
        return (f"{who} tried to run {refusal.target}: project gates may not start processes (a process is "
                "not confined to the project)")
    if refusal.action == "write":
        return f"{who} tried to write {refusal.target}, outside the project; write inside it or under tmp_path"
    return (f"{who} tried to read {refusal.target}, outside the project; add it to allow_outside in "
            "ftspec.yaml if intended")
