"""YAML portability gate: every spec file means the same to YAML 1.1 and YAML 1.2 readers."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.artifacts import ARTIFACTS
from ftspec.errors import Location
from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.loader import YamlDoc
from ftspec.portability import find_ambiguities
from ftspec.portability_memo import CleanFiles
from ftspec.results import Finding


@gate("yaml.portability", phase="design", source="methodology.md section 5 (YAML pitfalls)")
def yaml_portability(ctx: GateContext) -> Iterator[Finding]:
    """No scalar in any spec file is typed differently by PyYAML (YAML 1.1) and ruamel.yaml (YAML 1.2)."""
    memo = CleanFiles(ctx.project.root)
    for doc, digest in _yaml_docs(ctx, memo):
        if doc is None:  # nothing YAML to compare (no frontmatter, or a parse error its schema gate reports)
            memo.add(digest)
            continue
        try:
            ambiguities = list(find_ambiguities(doc))
        except Exception as exc:  # PyYAML rejects what ruamel accepted: itself a portability problem
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield Finding(Location(doc.rel, 1 + doc.line_offset), f"PyYAML (YAML 1.1) cannot read this file: {first}",
                          "use YAML both versions accept")
            continue
        if not ambiguities:
            memo.add(digest)
        for amb in ambiguities:
            yield Finding(
                doc.locate(amb.keypath),
                f"'{amb.text}' is a {amb.as_12} in YAML 1.2 but a {amb.as_11} in YAML 1.1 (PyYAML)",
                amb.fix,
            )
    memo.save()


def _yaml_docs(ctx: GateContext, memo: CleanFiles) -> Iterator[tuple[YamlDoc | None, str | None]]:
    """Each spec file's YAML document (None: it has none) not already known to be portable, with its digest for
    the memo."""
    names = ["manifest", *ARTIFACTS]
    for name in names:
        if name != "manifest" and not ctx.project.exists(name):
            continue
        rel = ctx.project.rel(name)
        digest = memo.digest(name, rel)
        if memo.holds(digest):
            ctx.project.track_file(ctx.project.root / rel)  # still an input of the result: an edit reruns it
            continue
        loaded = ctx.project.parse(name)
        doc = None if loaded.doc is None else ctx.yaml(name) if name != "manifest" else loaded.doc
        yield (doc if isinstance(doc, YamlDoc) else None), digest
