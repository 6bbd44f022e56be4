"""Load YAML and Markdown spec files, keeping the line and column of every node.

YAML is read with ruamel.yaml (YAML 1.2; its C parser when ruamel.yaml.clib is installed) into dicts and lists
that remember the line and column of every key and item, behind guards that turn every way a
file can be bad (missing, empty, too large, not UTF-8, malformed, an alias bomb, nested too deep) into one
:class:`~ftspec.errors.SpecError` that names the file and line.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.errors import Location, SpecError

MAX_BYTES = 5 * 1024 * 1024  # spec files are hand-written; 5 MB is far beyond any real one
MAX_NODES = 100_000  # nodes after alias expansion; a "billion laughs" file blows past this at once

KeyPath = Sequence[str | int]


@dataclass
class YamlDoc:
    """A parsed YAML document: plain-Python-compatible data plus positions for error messages."""

    rel: str
    data: Any
    text: str
    line_offset: int = 0  # lines before the YAML starts (frontmatter sits after a `---` line)

    def locate(self, keypath: KeyPath) -> Location:
        """Location of the deepest node of ``keypath`` that exists (its key for a mapping entry)."""
        line, col = _walk_position(self.data, keypath)
        dotted = dotted_path(keypath)
        if line < 0:
            return Location(self.rel, 1 + self.line_offset, 1, dotted)
        return Location(self.rel, line + 1 + self.line_offset, col + 1, dotted)


@dataclass
class MarkdownDoc:
    """A Markdown file with optional YAML frontmatter; ``body_line`` is the 1-based line the body starts on."""

    rel: str
    text: str
    frontmatter: YamlDoc | None
    body: str
    body_line: int = 1
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (line, level, title)


def dotted_path(keypath: KeyPath) -> str:
    """`criteria.CQ1.calibration_examples[0]` from a key path."""
    out = ""
    for key in keypath:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _walk_position(data: Any, keypath: KeyPath) -> tuple[int, int]:
    line, col = _own_position(data)
    node = data
    for key in keypath:
        pos = _child_position(node, key)
        if pos is None:
            break
        line, col = pos
        node = node[key]
    return line, col


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return -1, -1
    return int(lc.line), int(lc.col)


def _child_position(node: Any, key: str | int) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    try:
        if isinstance(node, dict) and key in node and lc is not None:
            pos = lc.key(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node) and lc is not None:
            pos = lc.item(key)
        else:
            return None
    except (KeyError, IndexError, TypeError):
        return None
    return (int(pos[0]), int(pos[1])) if pos and pos[0] is not None else None


def read_text(path: Path, rel: str) -> str:
    """The file's text, or a SpecError saying why it cannot be a spec file (never its content)."""
    from ftspec.paths import ReadRefused, read_limited

    where = Location(rel, 1, 1)  # every error names a line, so editors and CI annotations can jump to it
    if not os.path.lexists(path):
        raise SpecError(where, "file is missing", "create it (ftspec init scaffolds every spec file)")
    if path.is_dir():
        raise SpecError(where, "is a directory, expected a file", "point the manifest's paths at a file")
    try:
        raw = read_limited(path, MAX_BYTES)
    except ReadRefused as exc:
        fix = ("keep data out of spec files: reference it by path instead" if "limit" in str(exc)
               else "replace it with a regular file")
        raise SpecError(where, f"{exc} for spec files" if "limit" in str(exc) else str(exc), fix) from None
    except OSError as exc:
        raise SpecError(where, f"cannot be read: {exc.strerror or type(exc).__name__}",
                        "fix the file's permissions, or the link it is") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            Location(rel, line, col), f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8"
        ) from None
    if not text.strip():
        raise SpecError(where, "file is empty", "fill it in (see the blank template from ftspec init)")
    return text


class Positions:
    """Line/column of a container and of its keys or items (0-based), shaped like ruamel's ``.lc``."""

    __slots__ = ("line", "col", "_children")

    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col
        self._children: dict[Any, tuple[int, int]] = {}

    def key(self, key: Any) -> tuple[int, int]:
        return self._children[key]

    def item(self, index: int) -> tuple[int, int]:
        return self._children[index]


class PosDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it and its keys were written."""

    lc: Positions


class PosList(list):  # type: ignore[type-arg]
    """A sequence that remembers where it and its items were written."""

    lc: Positions


@functools.cache
def _composer() -> Any:
    """ruamel.yaml (YAML 1.2) with its C parser when ruamel.yaml.clib is present: ~15x faster than round-trip.

    One instance serves every file: building its resolver compiles a dozen large regexes.
    """
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe", pure=False)
    except Exception:  # pragma: no cover - no C extension on this interpreter
        return YAML(typ="safe", pure=True)


MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    """Turns composed ruamel nodes into PosDict/PosList/scalars; aliases stay shared (never expanded)."""

    def __init__(self, yaml: Any, rel: str, line_offset: int) -> None:
        self.constructor = yaml.constructor
        self.rel, self.line_offset = rel, line_offset
        self.memo: dict[int, Any] = {}

    def build(self, node: Any) -> Any:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        if id(node) in self.memo:
            return self.memo[id(node)]
        if isinstance(node, MappingNode):
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            out = self.memo[id(node)] = PosList()
            out.lc = Positions(node.start_mark.line, node.start_mark.column)
            for idx, child in enumerate(node.value):
                out.append(self.build(child))
                out.lc._children[idx] = (child.start_mark.line, child.start_mark.column)
            return out
        return self._scalar(node)

    def _mapping(self, node: Any) -> PosDict:
        out = self.memo[id(node)] = PosDict()
        out.lc = Positions(node.start_mark.line, node.start_mark.column)
        explicit: set[Any] = set()  # keys written here; merged keys (<<) may be overridden by them
        for knode, vnode in node.value:
            if knode.tag == MERGE_TAG:
                self._merge(out, self.build(vnode), knode)
                continue
            key = self.build(knode)
            if isinstance(key, dict | list):
                raise self._error(knode, "a mapping key must be a plain value", "use a string key")
            if key in explicit:
                raise self._error(knode, f"duplicate key '{key}'", "remove or rename one of the duplicate keys")
            explicit.add(key)
            out[key] = self.build(vnode)
            out.lc._children[key] = (knode.start_mark.line, knode.start_mark.column)
        return out

    def _merge(self, out: PosDict, merged: Any, knode: Any) -> None:
        for source in merged if isinstance(merged, list) else [merged]:
            if not isinstance(source, PosDict):
                raise self._error(knode, "<< must merge a mapping", "merge an anchored mapping: `<<: *name`")
            for key, value in source.items():
                if key not in out:
                    out[key] = value
                    out.lc._children[key] = source.lc._children.get(key, (knode.start_mark.line, 0))

    def _scalar(self, node: Any) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise self._error(node, f"cannot read value: {problem}", "remove the tag or quote the value") from None

    def _error(self, node: Any, message: str, fix: str) -> SpecError:
        mark = node.start_mark
        return SpecError(Location(self.rel, mark.line + 1 + self.line_offset, mark.column + 1), message, fix)


def parse_yaml(text: str, rel: str, line_offset: int = 0) -> YamlDoc:
    """Parse YAML text into a YamlDoc; every parse failure becomes a SpecError with the line."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = _composer()
    try:
        node = yaml.compose(text)
        data = None if node is None else _Builder(yaml, rel, line_offset).build(node)
    except MarkedYAMLError as exc:
        raise _marked_error(exc, rel, line_offset, text) from None
    except (YAMLError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(Location(rel, 1 + line_offset, 1), f"invalid YAML: {message}", "fix the YAML syntax") from None
    except RecursionError:
        raise SpecError(
            Location(rel, 1 + line_offset, 1), "YAML nested too deeply", "flatten the structure"
        ) from None
    doc = YamlDoc(rel, data, text, line_offset)
    _check_size(doc)
    return doc


def _marked_error(exc: Any, rel: str, line_offset: int, text: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
    col = (mark.column + 1) if mark else 1
    problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        return SpecError(Location(rel, line, col), "invalid YAML: a tab character", "indent with spaces, not tabs")
    if "duplicate key" in problem or type(exc).__name__ == "DuplicateKeyError":
        return SpecError(Location(rel, line, col), problem, "remove or rename one of the duplicate keys")
    return SpecError(Location(rel, line, col), f"invalid YAML: {problem}", "fix the YAML syntax at this spot")


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    return lines[line][col : col + 1] if 0 <= line < len(lines) else ""


def _check_size(doc: YamlDoc) -> None:
    """Reject alias bombs and self-referencing documents before anything walks them."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SpecError(doc.locate(()), "YAML refers to itself through an alias", "remove the recursive alias")
        active.add(key)
        children = list(node.values()) if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                break
        active.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(doc.data)
    except RecursionError:
        raise SpecError(doc.locate(()), "YAML nested too deeply", "flatten the structure") from None
    if total > MAX_NODES:
        raise SpecError(
            doc.locate(()),
            f"YAML expands to over {MAX_NODES:,} nodes through aliases",
            "remove the repeated aliases (an alias bomb?) or split the file",
        )


def load_yaml(path: Path, rel: str) -> YamlDoc:
    """Read and parse a YAML spec file."""
    return parse_yaml(read_text(path, rel), rel)


def load_mapping(path: Path, rel: str) -> YamlDoc:
    """Read a YAML spec file whose top level must be a mapping."""
    doc = load_yaml(path, rel)
    require_mapping(doc)
    return doc


def require_mapping(doc: YamlDoc) -> None:
    if not isinstance(doc.data, dict):
        data = doc.data
        kind = "nothing" if data is None else "a list" if isinstance(data, list) else f"the value {data!r}"
        raise SpecError(doc.locate(()), f"expected a mapping of keys at the top level, found {kind}",
                        "write `key: value` pairs")


def split_frontmatter(text: str) -> tuple[str | None, str, int]:
    """(frontmatter text or None, body, 1-based line the body starts on)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for idx in range(1, len(lines)):
        if lines[idx].strip() in ("---", "..."):
            return "".join(lines[1:idx]), "".join(lines[idx + 1 :]), idx + 2
    return None, text, 1


def parse_markdown(text: str, rel: str) -> MarkdownDoc:
    """Parse Markdown text with optional frontmatter."""
    front, body, body_line = split_frontmatter(text)
    frontmatter = None
    if front is not None:
        if not front.strip():
            raise SpecError(Location(rel, 1, 1), "frontmatter is empty", "add `key: value` lines between the --- lines")
        frontmatter = parse_yaml(front, rel, line_offset=1)
        require_mapping(frontmatter)
    elif text.lstrip().startswith("---") and text.splitlines()[0].strip() == "---":
        raise SpecError(Location(rel, 1, 1), "frontmatter is not closed", "end it with a line holding only ---")
    return MarkdownDoc(rel, text, frontmatter, body, body_line, _headings(body, body_line))


def _headings(body: str, body_line: int) -> list[tuple[int, int, str]]:
    out = []
    fenced = False
    for offset, line in enumerate(body.splitlines()):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            if level <= 6 and line[level : level + 1] in (" ", ""):
                out.append((body_line + offset, level, line[level:].strip()))
    return out


def load_markdown(path: Path, rel: str) -> MarkdownDoc:
    """Read and parse a Markdown spec file."""
    return parse_markdown(read_text(path, rel), rel)
