"""A project on disk: finds its root, reads the manifest and loads artifacts lazily, once each."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ftspec.artifacts import ARTIFACTS, ArtifactSpec
from ftspec.errors import Location, SpecError, SpecErrors
from ftspec.loader import MarkdownDoc, YamlDoc, load_mapping, load_markdown
from ftspec.models.base import validate
from ftspec.models.manifest import Manifest
from ftspec.paths import MANIFEST, find_root, relative, stamp

__all__ = ["MANIFEST", "Loaded", "Project", "find_root"]

@dataclass
class Loaded:
    """An artifact as loaded: its document, its validated model, or the errors that stopped it."""

    name: str
    rel: str
    doc: YamlDoc | MarkdownDoc | None = None
    value: Any = None
    errors: list[SpecError] = field(default_factory=list)
    missing: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class Project:
    """The spec artifacts under one root; each loaded on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, Loaded] = {}
        # What the running gate has read: file paths (relative) and named values such as the git HEAD. The gate
        # result cache keys each result on exactly these inputs, so every read must go through the project.
        self.recording: dict[str, str] = {}

    # -- input tracking (for the result cache) ---------------------------------------------------------
    def track_file(self, path: Path) -> None:
        """Record that the running gate read ``path`` (its size and mtime decide whether a cached result holds)."""
        self.recording[f"file:{relative(self.root, path)}"] = stamp(path)

    def track_value(self, key: str, value: str) -> None:
        """Record a non-file input, e.g. ``git:HEAD`` -> sha."""
        self.recording[f"value:{key}"] = value

    @classmethod
    def find(cls, start: Path) -> Project:
        return cls(find_root(start))

    # -- the manifest ----------------------------------------------------------------------------------
    def manifest_loaded(self) -> Loaded:
        self.track_file(self.root / MANIFEST)
        if "manifest" not in self._cache:
            self._cache["manifest"] = _load(self.root / MANIFEST, MANIFEST, "yaml", Manifest)
        return self._cache["manifest"]

    @property
    def manifest(self) -> Manifest:
        """The validated manifest, or defaults when it is invalid (its schema gate reports why)."""
        loaded = self.manifest_loaded()
        return loaded.value if loaded.ok else Manifest.model_validate({"project": self.root.name})

    # -- artifacts -------------------------------------------------------------------------------------
    def rel(self, name: str) -> str:
        """Project-relative path of an artifact, from the manifest's `paths`."""
        return str(getattr(self.manifest.paths, ARTIFACTS[name].path_field if name in ARTIFACTS else name))

    def path(self, name: str) -> Path:
        return self.root / self.rel(name)

    def load(self, name: str) -> Loaded:
        """Load an artifact once; errors are kept, not raised."""
        if name == "manifest":
            return self.manifest_loaded()
        self.track_file(self.path(name))
        if name not in self._cache:
            spec = ARTIFACTS[name]
            self._cache[name] = _load(self.path(name), self.rel(name), spec.kind, spec.model)
        return self._cache[name]

    def required(self, name: str) -> bool:
        spec: ArtifactSpec = ARTIFACTS[name]
        return spec.required(self.manifest)

    def exists(self, name: str) -> bool:
        path = self.root / MANIFEST if name == "manifest" else self.path(name)
        self.track_file(path)
        return path.is_file()


def _load(path: Path, rel: str, kind: str, model: type[BaseModel] | None) -> Loaded:
    loaded = Loaded(name=rel, rel=rel, missing=not path.exists())
    try:
        data: YamlDoc | None
        if kind == "yaml":
            loaded.doc = data = load_mapping(path, rel)
        else:
            markdown = load_markdown(path, rel)
            loaded.doc, data = markdown, markdown.frontmatter
            if kind == "frontmatter" and data is None:
                raise SpecError(Location(rel, 1), "missing YAML frontmatter", "start the file with --- lines")
        if model is not None and data is not None:
            loaded.value = validate(model, data)
        elif model is None:
            loaded.value = loaded.doc
    except SpecErrors as exc:
        loaded.errors = list(exc.errors)
    except SpecError as exc:
        loaded.errors = [exc]
    return loaded
