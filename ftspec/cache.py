"""The gate-result cache: `ftspec check` runs on every commit, and most commits change one file or none.

Each gate's result is stored with the exact inputs it read (recorded by :class:`~ftspec.project.Project`:
file sizes and mtimes, and named values such as the git HEAD). A result is reused only while every one of those
inputs is unchanged *and* ftspec's own code is unchanged; otherwise the gate runs again. An input kind the cache
cannot re-check is never reused. The cache lives in ``<project>/.ftspec/cache/`` and is safe to delete.

On a hit no artifact is parsed and no pydantic model is built, which is where the time of a check goes. When
every result of a check (the project's own gates included) is a hit, `ftspec check` replays them without
starting pytest at all.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftspec import __version__
from ftspec.paths import outside, read_limited, safe_write, stamp
from ftspec.results import GateResult

if TYPE_CHECKING:
    from ftspec.project import Project

CACHE_DIR = Path(".ftspec") / "cache"
CACHE_FILE = "gates.json"
FORMAT = 3
MAX_CACHE_BYTES = 256 << 20

# Project roots checked with the cache in this process: only their .ftspec holds other caches too (the decision
# log's history, see ftspec.history); a gate run outside a check, or --no-cache, reads and writes none.
CACHED: set[Path] = set()

# How to recompute a named (non-file) input; an unknown kind invalidates the entry.
VALUE_RESOLVERS: dict[str, Callable[[Path, str], str]] = {}


def value_resolver(kind: str) -> Callable[[Callable[[Path, str], str]], Callable[[Path, str], str]]:
    """Register how to recompute inputs recorded as ``value:<kind>:<name>``."""

    def register(func: Callable[[Path, str], str]) -> Callable[[Path, str], str]:
        VALUE_RESOLVERS[kind] = func
        return func

    return register


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Changes whenever ftspec's code or version, pytest's or pydantic's version, or the Python version change.

    Read from file stats (ftspec's modules) and version files, so that a replayed check imports neither pytest
    nor pydantic; once per process (the gate-result cache and the portability memo both key on it)."""
    package = Path(__file__).resolve().parent
    parts = [__version__, sys.version, _version_file("pydantic", "version.py"), _version_file("_pytest", "_version.py")]
    for path in sorted(package.rglob("*.py")):
        try:
            info = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}={info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _version_file(package: str, name: str) -> str:
    """The stamp of a library's version module, found without importing the library."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return f"{package}:absent"
    return f"{package}:{stamp(Path(next(iter(spec.submodule_search_locations))) / name)}"


@value_resolver("tree")
def tree_stamp(root: Path, key: str) -> str:
    """``tree:<dir>``: the names and stamps of every file under a project folder (a new gate file changes it)."""
    folder = root / key.partition(":")[2]
    if outside(root, folder):
        return "outside"  # never walked (`paths.gates: /`)
    if not folder.is_dir():
        return "missing"
    parts = [f"{path.relative_to(folder)}={stamp(path)}" for path in sorted(folder.rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class ResultCache:
    """Cached gate results, gate metadata and replayable check runs for one project root.

    ``entries`` holds built-in gate results by gate id; ``projects`` the results of the project's own gates by
    pytest node id (only those whose run was watched and found pure, see :mod:`ftspec.reads`); ``runs`` the node
    ids a check ran, in order, per set of options, with what its collection read. A check whose run record and
    every result in it are fresh is replayed without starting pytest.
    """

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled and os.environ.get("FTSPEC_NO_CACHE", "") in ("", "0")
        self.path = root / CACHE_DIR / CACHE_FILE
        self.fingerprint = code_fingerprint() if self.enabled else ""
        self.entries: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.gates: list[dict[str, Any]] = []
        self.dirty = False
        self._stamps: dict[str, str] = {}
        self._project: Project | None = None
        if self.enabled:
            CACHED.add(root.resolve())
            self._read()
        else:
            CACHED.discard(root.resolve())

    def _read(self) -> None:
        try:  # a cache linked outside the project, a FIFO or an endless device is no cache
            if outside(self.root, self.path):
                return
            data = json.loads(read_limited(self.path, MAX_CACHE_BYTES))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("code") != self.fingerprint:
            return
        self.entries = _dict(data.get("results"))
        self.projects = _dict(data.get("projects"))
        self.runs = _dict(data.get("runs"))
        self.gates = data.get("gates", []) if isinstance(data.get("gates"), list) else []

    def lookup(self, gate_id: str) -> GateResult | None:
        """The cached result of a built-in gate when every recorded input is unchanged."""
        return self._lookup(self.entries, gate_id)

    def lookup_project(self, nodeid: str) -> GateResult | None:
        """The cached result of one of the project's own gates when every recorded input is unchanged."""
        return self._lookup(self.projects, nodeid)

    def _lookup(self, table: dict[str, dict[str, Any]], key: str) -> GateResult | None:
        entry = table.get(key) if self.enabled else None
        if not isinstance(entry, dict) or not self._fresh(entry.get("inputs", {})):
            return None
        try:
            return GateResult.from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def replay(self, signature: str) -> list[GateResult] | None:
        """Every result of the last check run with these options, when all of them are fresh; else None."""
        plan = self.plan(signature)
        if plan is None or any(result is None for _, _, result in plan):
            return None
        return [result for _, _, result in plan if result is not None]

    def plan(self, signature: str) -> list[tuple[str, str, GateResult | None]] | None:
        """The last check run with these options as (node id, built-in gate id or "", fresh result or None):
        the stale built-in gates run without pytest, the stale project gates in a session of their own (see
        :mod:`ftspec.direct`); None when the item list itself is stale (what collection read changed)."""
        run = self.runs.get(signature) if self.enabled else None
        if not isinstance(run, dict) or not run.get("items") or not self._fresh(run.get("inputs", {})):
            return None
        plan: list[tuple[str, str, GateResult | None]] = []
        for nodeid, gate_id in run["items"]:
            plan.append((nodeid, gate_id, self.lookup(gate_id) if gate_id else self.lookup_project(nodeid)))
        return plan

    def _fresh(self, inputs: dict[str, str]) -> bool:
        import ftspec.git  # noqa: F401 - registers the git value resolver

        if not isinstance(inputs, dict):
            return False
        for key, recorded in inputs.items():
            kind, _, name = key.partition(":")
            if kind == "sections":  # parts of a spec file (ftspec.gates.sections)
                if not self._sections_fresh(inputs, key):
                    return False
                continue
            if kind == "file":
                current = self._stamp(name)
            elif kind == "value":
                resolver = VALUE_RESOLVERS.get(name.partition(":")[0])
                if resolver is None:
                    return False
                current = resolver(self.root, name)
            else:
                return False
            if current != recorded:
                return False
        return True

    def _sections_fresh(self, inputs: dict[str, str], key: str) -> bool:
        """A ``sections:`` input holds while its file, or failing that the sections read, are unchanged; the
        file's new stamp is then recorded, so the next check needs no parse again."""
        from ftspec.gates.sections import fresh

        now = fresh(self.project, key.partition(":")[2], inputs[key], self._stamp)
        if now is not None and now != inputs[key]:
            inputs[key] = now
            self.dirty = True
        return now is not None

    def project(self) -> Project:
        """The project as this check reads it, built once: the freshness of cached results that depend on spec
        sections asks it, and the gates that then rerun use it (:mod:`ftspec.direct`)."""
        if self._project is None:
            from ftspec.project import Project

            self._project = Project(self.root)
        return self._project

    def _stamp(self, name: str) -> str:
        """One stamp per file per check: many gates read the same spec file."""
        if name not in self._stamps:
            self._stamps[name] = stamp(self.root / name)
        return self._stamps[name]

    def store(self, result: GateResult) -> None:
        if self.enabled:
            self.entries[result.id] = {"inputs": result.inputs, "result": result.to_dict()}
            self.dirty = True

    def store_project(self, nodeid: str, result: GateResult, inputs: dict[str, str]) -> None:
        if self.enabled:
            self.projects[nodeid] = {"inputs": inputs, "result": result.to_dict()}
            self.dirty = True

    def adopt_projects(self) -> None:
        """Take the project gates' results that a session in another process saved since this cache was read
        (it ran beside the built-in gates stored here; saving this cache then keeps both)."""
        if self.enabled:
            self.projects.update(ResultCache(self.root).projects)
            self.dirty = True

    def store_run(self, signature: str, items: list[tuple[str, str]], inputs: dict[str, str]) -> None:
        """Remember which node ids (with the built-in gate id, or "" for a project gate) a check ran."""
        if self.enabled:
            self.runs[signature] = {"items": [list(item) for item in items], "inputs": inputs}
            self.dirty = True

    def remember_gates(self, gates: list[dict[str, Any]]) -> None:
        if self.enabled and gates != self.gates:
            self.gates = gates
            self.dirty = True

    def save(self) -> None:
        """Write atomically; a read-only checkout simply goes uncached."""
        if not (self.enabled and self.dirty):
            return
        payload = {"format": FORMAT, "code": self.fingerprint, "gates": self.gates, "results": self.entries,
                   "projects": self.projects, "runs": self.runs}
        try:  # never through a symlink: a committed .ftspec link must not redirect the write
            if not (self.root / CACHE_DIR / ".gitignore").exists():
                safe_write(self.root, CACHE_DIR / ".gitignore", b"*\n")
            safe_write(self.root, CACHE_DIR / CACHE_FILE, json.dumps(payload).encode())
        except OSError:
            return
        self.dirty = False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
