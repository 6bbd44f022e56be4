"""What a gate sees: the project, its merged thresholds, and helpers that locate findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ftspec.errors import FtspecError, Location
from ftspec.gates.registry import Gate
from ftspec.loader import MarkdownDoc, YamlDoc
from ftspec.paths import read_limited
from ftspec.project import Project
from ftspec.results import Finding, Severity

READ_LIMIT = 5 << 20  # bytes a gate reads of one project file (reports, dvc.yaml, restatements)


class Unavailable(FtspecError):
    """An artifact a gate needs could not be loaded; the gate is skipped and its schema gate says why."""


class NotApplicable(Unavailable):
    """The gate does not apply to this project (say, training gates in a rag-only project)."""


@dataclass
class GateContext:
    """A gate's view of one project run."""

    project: Project
    gate: Gate
    params: dict[str, Any]

    def value(self, name: str) -> Any:
        """The validated model of an artifact, or Unavailable."""
        loaded = self.project.load(name)
        if loaded.missing or not loaded.ok:
            state = "missing" if loaded.missing else "invalid"
            raise Unavailable(f"{loaded.rel} is {state} (see {name.replace('_', '-')}.schema)")
        return loaded.value

    def doc(self, name: str) -> YamlDoc | MarkdownDoc | None:
        """The parsed document of an artifact (not validated: reading its text needs no model)."""
        return self.project.parse(name).doc

    def yaml(self, name: str) -> YamlDoc | None:
        """The YAML document of an artifact (a Markdown file's frontmatter)."""
        doc = self.doc(name)
        return doc.frontmatter if isinstance(doc, MarkdownDoc) else doc

    def read_bytes(self, rel: str, keypath: Sequence[str] = (), where: str = "manifest",
                   limit: int = READ_LIMIT) -> bytes:
        """The bytes of the project file ``rel``, recorded as the gate's input: the one way a gate reads a file
        that is not an artifact. SpecError (located at ``keypath`` of ``where`` when the file is outside the
        project or in the file when it is a FIFO or device; never its content), OSError when it is missing,
        unreadable or over ``limit`` bytes (counted while reading)."""
        path = self.project.root / rel
        self.project.track_file(path)
        refused = self.project.refused(rel, tuple(keypath), where)
        if refused is not None:
            raise refused
        return read_limited(path, limit)

    def read_text(self, rel: str, keypath: Sequence[str] = (), where: str = "manifest",
                  limit: int = READ_LIMIT) -> str:
        """:meth:`read_bytes` decoded as UTF-8 (a bad byte becomes U+FFFD)."""
        return self.read_bytes(rel, keypath, where, limit).decode("utf-8", errors="replace")

    def at(self, name: str, keypath: Sequence[str | int] = ()) -> Location:
        """Location of a key path inside an artifact (line 1 when it cannot be found)."""
        doc = self.yaml(name)
        if doc is None:
            return Location(self.project.rel(name), 1 if keypath else 0, 0, "")
        return doc.locate(keypath)

    def finding(
        self, name: str, keypath: Sequence[str | int], message: str, fix: str = "", severity: Severity | None = None
    ) -> Finding:
        return Finding(self.at(name, keypath), message, fix, severity)


def merged_params(project: Project, gate: Gate) -> dict[str, Any]:
    """Gate defaults overridden by the manifest's `gates.<id>` settings (minus skip/severity)."""
    settings = project.manifest.gates.get(gate.id, {})
    params = dict(gate.defaults)
    params.update({k: v for k, v in settings.items() if k not in ("skip", "severity")})
    return params
