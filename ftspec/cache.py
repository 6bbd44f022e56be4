"""The gate-result cache: `ftspec check` runs on every commit, and most commits change one file or none.

Each gate's result is stored with the exact inputs it read (recorded by :class:`~ftspec.project.Project`:
file sizes and mtimes, and named values such as the git HEAD). A result is reused only while every one of those
inputs is unchanged *and* ftspec's own code is unchanged; otherwise the gate runs again. An input kind the cache
cannot re-check is never reused. The cache lives in ``<project>/.ftspec/cache/`` and is safe to delete.

On a full hit no artifact is parsed and no pydantic model is built, which is where the time of a check goes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec import __version__
from ftspec.paths import stamp
from ftspec.results import GateResult

CACHE_DIR = Path(".ftspec") / "cache"
CACHE_FILE = "gates.json"
FORMAT = 1

# How to recompute a named (non-file) input; an unknown kind invalidates the entry.
VALUE_RESOLVERS: dict[str, Callable[[Path, str], str]] = {}


def value_resolver(kind: str) -> Callable[[Callable[[Path, str], str]], Callable[[Path, str], str]]:
    """Register how to recompute inputs recorded as ``value:<kind>:<name>``."""

    def register(func: Callable[[Path, str], str]) -> Callable[[Path, str], str]:
        VALUE_RESOLVERS[kind] = func
        return func

    return register


def code_fingerprint() -> str:
    """Changes whenever ftspec's code, its version, pydantic's version or the Python version change."""
    import pydantic

    package = Path(__file__).resolve().parent
    parts = [__version__, pydantic.VERSION, sys.version]
    for path in sorted(package.rglob("*.py")):
        parts.append(f"{path.relative_to(package)}={stamp(path)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class ResultCache:
    """Cached gate results and gate metadata for one project root."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled and os.environ.get("FTSPEC_NO_CACHE", "") in ("", "0")
        self.path = root / CACHE_DIR / CACHE_FILE
        self.fingerprint = code_fingerprint() if self.enabled else ""
        self.entries: dict[str, dict[str, Any]] = {}
        self.gates: list[dict[str, Any]] = []
        self.dirty = False
        if self.enabled:
            self._read()

    def _read(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("code") != self.fingerprint:
            return
        self.entries = data.get("results", {}) if isinstance(data.get("results"), dict) else {}
        self.gates = data.get("gates", []) if isinstance(data.get("gates"), list) else []

    def lookup(self, gate_id: str) -> GateResult | None:
        """The cached result when every recorded input is unchanged."""
        entry = self.entries.get(gate_id) if self.enabled else None
        if not entry or not self._fresh(entry.get("inputs", {})):
            return None
        try:
            return GateResult.from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def _fresh(self, inputs: dict[str, str]) -> bool:
        import ftspec.git  # noqa: F401 - registers the git value resolver

        for key, recorded in inputs.items():
            kind, _, name = key.partition(":")
            if kind == "file":
                current = stamp(self.root / name)
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

    def store(self, result: GateResult) -> None:
        if self.enabled:
            self.entries[result.id] = {"inputs": result.inputs, "result": result.to_dict()}
            self.dirty = True

    def remember_gates(self, gates: list[dict[str, Any]]) -> None:
        if self.enabled and gates != self.gates:
            self.gates = gates
            self.dirty = True

    def save(self) -> None:
        """Write atomically; a read-only checkout simply goes uncached."""
        if not (self.enabled and self.dirty):
            return
        payload = {"format": FORMAT, "code": self.fingerprint, "gates": self.gates, "results": self.entries}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".gates-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle)
            os.replace(tmp, self.path)
        except OSError:
            return
        self.dirty = False
