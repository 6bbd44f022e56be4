"""Spec files already found portable, by content: the YAML portability gate reads every spec file, so after an
edit of one it would parse all of them twice (ruamel.yaml and PyYAML) to learn what it knew.

A file's verdict depends only on its bytes (and where it sits: the path decides how it is read), the two YAML
libraries and ftspec's code. Only clean verdicts are kept, as digests of all of these: a file with findings is
parsed again, so its findings are located from the document as always. The memo lives in
``.ftspec/cache/portability.json`` beside the gate-result cache, and only for a project checked with the cache
on (:data:`ftspec.cache.CACHED`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from ftspec.cache import CACHE_DIR, CACHED, code_fingerprint
from ftspec.paths import ReadRefused, outside, read_limited, safe_write, stamp

MEMO_FILE = "portability.json"
FORMAT = 1
MAX_BYTES = 5 << 20  # as the loader: a larger file is parsed (and refused) the usual way
KEEP = 1000  # digests kept: a few per spec file across many edits


class CleanFiles:
    """The digests of files found portable, for one project; ``digest`` is None where the memo does not apply."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.enabled = root.resolve() in CACHED and os.environ.get("FTSPEC_NO_CACHE", "") in ("", "0")
        self.key = _key() if self.enabled else ""
        self.clean: list[str] = self._read() if self.enabled else []
        self.known = set(self.clean)
        self.dirty = False

    def digest(self, name: str, rel: str) -> str | None:
        """The digest of artifact ``name``'s file when it is a plain file inside the project (what it is read
        as, its path and bytes, the parsers), else None."""
        path = self.root / rel
        if not self.enabled or outside(self.root, path):
            return None
        try:
            data = read_limited(path, MAX_BYTES)
        except (ReadRefused, OSError):
            return None
        return hashlib.sha256(f"{self.key}\0{name}\0{rel}\0".encode() + data).hexdigest()

    def holds(self, digest: str | None) -> bool:
        return digest is not None and digest in self.known

    def add(self, digest: str | None) -> None:
        if digest is not None and digest not in self.known:
            self.known.add(digest)
            self.clean.append(digest)
            self.dirty = True

    def save(self) -> None:
        """Write atomically, never through a link; a read-only checkout goes without."""
        if not self.dirty:
            return
        payload = {"format": FORMAT, "key": self.key, "clean": self.clean[-KEEP:]}
        with contextlib.suppress(OSError):
            safe_write(self.root, CACHE_DIR / MEMO_FILE, json.dumps(payload).encode())
            self.dirty = False

    def _read(self) -> list[str]:
        path = self.root / CACHE_DIR / MEMO_FILE
        try:
            if outside(self.root, path):
                return []
            data = json.loads(read_limited(path, 1 << 20))
        except (OSError, ValueError):
            return []
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != self.key:
            return []
        clean = data.get("clean")
        return [d for d in clean if isinstance(d, str)] if isinstance(clean, list) else []


def _key() -> str:
    """ftspec's code and the two YAML libraries: a verdict holds only while none of them changed."""
    import importlib.util

    parts = [code_fingerprint()]
    for name in ("yaml", "ruamel.yaml"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        parts.append(f"{name}={stamp(Path(origin)) if origin else 'absent'}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
