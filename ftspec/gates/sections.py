"""The manifest and training-config sections each data gate reads, declared here and nowhere else.

A data gate's cached result is keyed on its data files and on these sections, not on the whole of ftspec.yaml
and config/training.yaml, so an edit elsewhere in those files (a description, another gate's settings, the
learning rate) does not rerun a pass over a large data set. A section counts with its values, and with the
lines of its keys when a finding of the gate names that file; a file that does not validate counts whole (the
gates then read defaults).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ftspec.paths import MANIFEST, stamp

if TYPE_CHECKING:
    from ftspec.project import Project

Section = tuple[str, ...]

# Every data gate: where the data sets and the spec files they are checked against are (paths, allow_outside),
# how they are read and compared (data: source_key, contamination), the token budget that sets a missing
# max_length, data.format's record-size limit (a record over it is not read by any gate), and its own settings.
DATA_MANIFEST: tuple[Section, ...] = (("paths",), ("allow_outside",), ("token_budget",), ("data",),
                                      ("gates", "data.format"))
# What the training config says about the data: the approach (which sets), the files, the tokenizer, the limits.
DATA_TRAINING: tuple[Section, ...] = (("approach",), ("data",), ("sft", "max_length"), ("dpo", "max_length"))
# The data gates, with the manifest sections each reads besides DATA_MANIFEST and its own `gates.<id>`.
DATA_GATES: dict[str, tuple[Section, ...]] = {
    "data.format": (),
    "data.min-count": (),
    "data.token-length": (),
    "data.pii": (),
    "data.duplicates": (),
    "data.edge-case-share": (),
    "data.split-by-source": (),
    "data.contamination": (),
    "data.length-ratio": (),
    "data.artifacts": (),
    "data.language": (("languages",),),
}


def reads(gate_id: str) -> dict[str, tuple[Section, ...]] | None:
    """The sections of each spec file a gate reads; None when its result depends on the whole files."""
    if gate_id not in DATA_GATES:
        return None
    return {"manifest": (*DATA_MANIFEST, ("gates", gate_id), *DATA_GATES[gate_id]), "training": DATA_TRAINING}


def narrowed(gate_id: str, project: Project, inputs: dict[str, str], named: set[str]) -> dict[str, str]:
    """A gate's recorded inputs with each whole spec file it reads a section of replaced by those sections:
    ``sections:<gate>:<artifact>`` -> [file, its stamp when read, the sections' digest, whether the digest
    covers their lines]. Lines count only when a finding names the file (``named``): a finding elsewhere
    does not move when lines are added above a section."""
    sections = reads(gate_id)
    if sections is None:
        return inputs
    out = dict(inputs)
    for artifact in sections:
        rel = MANIFEST if artifact == "manifest" else project.rel(artifact)
        read = out.pop(f"file:{rel}", None)
        if read is not None:
            lines = rel in named
            out[f"sections:{gate_id}:{artifact}"] = json.dumps([rel, read, digest(project, gate_id, artifact, lines),
                                                                lines])
    return out


def fresh(project: Callable[[], Project], name: str, recorded: str, stamp_of: Callable[[str], str]) -> str | None:
    """Whether a ``sections:`` input still holds: its file is unchanged since it was read (no parse), or the
    sections are; the input to record from now on (the file's new stamp) when only the file changed; None
    when stale."""
    try:
        rel, read, was, lines = json.loads(recorded)
        gate_id, artifact = name.rsplit(":", 1)
    except (ValueError, TypeError):
        return None
    now = stamp_of(str(rel))
    if now == read:
        return recorded
    same = digest(project(), gate_id, artifact, bool(lines)) == was
    return json.dumps([rel, now, was, lines]) if same else None


def digest(project: Project, gate_id: str, artifact: str, lines: bool = True) -> str:
    """The digest of a gate's sections of one spec file as this project reads them: their values, and with
    ``lines`` where each key is written."""
    from ftspec.loader import YamlDoc

    sections = (reads(gate_id) or {}).get(artifact, ())
    loaded = project.load(artifact)
    path = project.root / loaded.rel
    doc = loaded.doc if loaded.ok and not loaded.missing else None
    if not isinstance(doc, YamlDoc):  # missing or invalid: the gate read defaults, or nothing
        return f"whole {stamp(path)}"
    parts = [[list(s), _at(doc.data, s)] for s in sections]
    if lines:
        parts += [[doc.locate(s).line, list(_positions(_at(doc.data, s)))] for s in sections]
    return hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=16).hexdigest()


def _at(data: Any, section: Section) -> Any:
    for key in section:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _positions(node: Any) -> Iterator[tuple[int, int]]:
    """The line and column of every key and item under a node (a finding inside a section names them)."""
    lc: Any = getattr(node, "lc", None)
    items: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):  # plain YAML has no positions
            yield tuple((lc.key if isinstance(node, dict) else lc.item)(key))
        yield from _positions(value)
