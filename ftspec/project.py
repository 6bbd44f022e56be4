"""A project on disk: finds its root, reads the manifest and loads artifacts lazily, once each."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ftspec.artifacts import ARTIFACTS, ArtifactSpec
from ftspec.errors import Location, SpecError, SpecErrors
from ftspec.loader import MarkdownDoc, YamlDoc, load_mapping, load_markdown
from ftspec.models.base import validate
from ftspec.models.manifest import Manifest
from ftspec.paths import MANIFEST, escaped, find_root, not_regular, outside, relative, stamp
from ftspec.placeholders import placeholder_errors

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
        self._stamps: dict[str, tuple[str, str]] = {}
        # Built once: gates ask for the manifest and artifact paths tens of thousands of times per check.
        self._manifest_path = self.root / MANIFEST
        self._fallback: Manifest | None = None
        self._paths: dict[str, Path] = {}
        self._refused: dict[tuple[str, tuple[str, ...], str], SpecError | None] = {}

    # -- input tracking (for the result cache) ---------------------------------------------------------
    def track_file(self, path: Path) -> None:
        """Record that the running gate read ``path`` (its size and mtime decide whether a cached result holds)."""
        key = str(path)
        if key not in self._stamps:  # once per run: the loads are cached too, so the first stamp is what was read
            self._stamps[key] = (f"file:{relative(self.root, path)}", stamp(path))
        name, value = self._stamps[key]
        self.recording[name] = value

    def track_value(self, key: str, value: str) -> None:
        """Record a non-file input, e.g. ``git:HEAD`` -> sha."""
        self.recording[f"value:{key}"] = value

    @classmethod
    def find(cls, start: Path) -> Project:
        return cls(find_root(start))

    # -- the manifest ----------------------------------------------------------------------------------
    def manifest_loaded(self) -> Loaded:
        self.track_file(self._manifest_path)
        if "manifest" not in self._cache:
            target = outside(self.root, self._manifest_path)
            refused = SpecError(Location(MANIFEST, 1, 1), f"is a link outside the project (to {escaped(target)})",
                                "replace the link with the file") if target else None
            self._cache["manifest"] = (Loaded(MANIFEST, MANIFEST, errors=[refused]) if refused
                                       else _load(self._manifest_path, MANIFEST, "yaml", Manifest))
        return self._cache["manifest"]

    @property
    def manifest(self) -> Manifest:
        """The validated manifest, or defaults when it is invalid (its schema gate reports why)."""
        loaded = self.manifest_loaded()
        if loaded.ok:
            return loaded.value  # type: ignore[no-any-return]
        if self._fallback is None:
            self._fallback = Manifest.model_validate({"project": self.root.name})
        return self._fallback

    # -- artifacts -------------------------------------------------------------------------------------
    def rel(self, name: str) -> str:
        """Project-relative path of an artifact, from the manifest's `paths`."""
        if name == "manifest":
            return MANIFEST
        return str(getattr(self.manifest.paths, ARTIFACTS[name].path_field if name in ARTIFACTS else name))

    def path(self, name: str) -> Path:
        if name not in self._paths:  # the manifest, and so every artifact's path, is fixed for this instance
            self._paths[name] = self.root / self.rel(name)
        elif name != "manifest":
            self.track_file(self._manifest_path)  # as rel() does: the path came from the manifest's `paths`
        return self._paths[name]

    def load(self, name: str) -> Loaded:
        """Load and validate an artifact once; errors are kept, not raised."""
        if name == "manifest":
            return self.manifest_loaded()
        if name not in self._cache:
            parsed = self.parse(name)
            spec = ARTIFACTS[name]
            self._cache[name] = _validated(parsed, spec.model) if parsed.doc is not None else parsed
        self.track_file(self.path(name))
        return self._cache[name]

    def parse(self, name: str) -> Loaded:
        """An artifact's document without validating it (its value is the document itself); parsed once."""
        if name == "manifest":
            return self.manifest_loaded()
        self.track_file(self.path(name))
        key = f"parsed:{name}"
        if key not in self._cache:
            spec = ARTIFACTS[name]
            refused = self.refused(self.rel(name), ("paths", spec.path_field))
            self._cache[key] = (Loaded(name=self.rel(name), rel=self.rel(name), errors=[refused]) if refused
                                else _parse(self.path(name), self.rel(name), spec.kind,
                                            (spec.description, spec.path_field)))
        return self._cache[key]

    def refused(self, rel: str, keypath: tuple[str, ...], where: str = "manifest") -> SpecError | None:
        """Why ftspec will not read ``rel`` (named at ``keypath`` of ``where``): it leads outside the project
        (unless ftspec.yaml's allow_outside names the place) or is a FIFO, device or socket. The error names the
        path, never what is in it. Decided once per path for this instance (it resolves every link)."""
        key = (rel, keypath, where)
        if key not in self._refused:
            self._refused[key] = self._refusal(rel, keypath, where)
        return self._refused[key]

    def _refusal(self, rel: str, keypath: tuple[str, ...], where: str) -> SpecError | None:
        if "\0" in rel:
            return SpecError(self._locate(where, keypath), "the path contains a NUL character",
                             "write the file's path without control characters")
        path = self.root / rel
        allowed = self.manifest.allow_outside
        target = outside(self.root, path, allowed)
        if target:
            lexical = os.path.normpath(path)
            inside = lexical == str(self.root) or lexical.startswith(os.path.join(str(self.root), ""))
            location = Location(escaped(rel), 1, 1) if inside else self._locate(where, keypath)
            return SpecError(location, f"{escaped(rel)} leads outside the project (to {escaped(target)}); ftspec "
                             "reads only files inside it", "move the file into the project, or name its location "
                             "in ftspec.yaml's allow_outside")
        kind = not_regular(path)
        if kind:
            return SpecError(Location(escaped(rel), 1, 1), f"is {kind}, not a regular file",
                             "replace it with a regular file")
        return None

    def _locate(self, where: str, keypath: tuple[str, ...]) -> Location:
        loaded = self.parse(where)
        doc = loaded.doc.frontmatter if isinstance(loaded.doc, MarkdownDoc) else loaded.doc
        return doc.locate(keypath) if doc is not None else Location(loaded.rel, 1, 1)

    def required(self, name: str) -> bool:
        spec: ArtifactSpec = ARTIFACTS[name]
        return spec.required(self.manifest)

    def exists(self, name: str) -> bool:
        path = self.root / MANIFEST if name == "manifest" else self.path(name)
        self.track_file(path)
        return path.is_file()


def _load(path: Path, rel: str, kind: str, model: type[BaseModel] | None) -> Loaded:
    parsed = _parse(path, rel, kind)
    return _validated(parsed, model) if parsed.doc is not None else parsed


# Files a YAML artifact is often kept in before a project adopts ftspec (a rubric in Markdown or Python).
NOT_YAML = {".md": "Markdown", ".markdown": "Markdown", ".py": "Python", ".txt": "text", ".json": "JSON"}


def _parse(path: Path, rel: str, kind: str, what: tuple[str, str] = ("file", "")) -> Loaded:
    """Read and parse; the value is the document (YAML, or Markdown with its frontmatter)."""
    loaded = Loaded(name=rel, rel=rel, missing=not os.path.exists(path))  # False, not OSError, for a name too long
    try:
        if kind == "yaml" and path.suffix.lower() in NOT_YAML:
            shape = NOT_YAML[path.suffix.lower()]
            raise SpecError(Location(rel, 1, 1), f"{rel} is {shape}: the {what[0]} must be YAML",
                            f"restate it as YAML in a .yaml file and point paths.{what[1]} in ftspec.yaml at it")
        if kind == "yaml":
            loaded.doc = load_mapping(path, rel)
        else:
            loaded.doc = load_markdown(path, rel)
            if kind == "frontmatter" and loaded.doc.frontmatter is None:
                raise SpecError(Location(rel, 1, 1), "missing YAML frontmatter", "start the file with --- lines")
        loaded.value = loaded.doc
    except SpecErrors as exc:
        loaded.errors = list(exc.errors)
    except SpecError as exc:
        loaded.errors = [exc]
    return loaded


def _validated(parsed: Loaded, model: type[BaseModel] | None) -> Loaded:
    """A new Loaded whose value is the model validated from the parsed document (when the artifact has one)."""
    loaded = Loaded(parsed.name, parsed.rel, parsed.doc, parsed.value, list(parsed.errors), parsed.missing)
    data = loaded.doc.frontmatter if isinstance(loaded.doc, MarkdownDoc) else loaded.doc
    if model is None or loaded.errors or data is None:
        return loaded
    loaded.value = None
    try:
        loaded.value = _validate(model, data)
    except SpecErrors as exc:
        loaded.errors = list(exc.errors)
    except SpecError as exc:
        loaded.errors = [exc]
    return loaded


def _validate(model: type[BaseModel], doc: YamlDoc) -> Any:
    """The validated model; open placeholders are reported first, with the schema errors they do not explain."""
    todo = placeholder_errors(doc)
    try:
        value = validate(model, doc)
    except SpecErrors as exc:
        seen = {(e.location.line, e.location.col) for e in todo}
        raise SpecErrors(todo + [e for e in exc.errors if (e.location.line, e.location.col) not in seen]) from None
    if todo:
        raise SpecErrors(todo)
    return value
