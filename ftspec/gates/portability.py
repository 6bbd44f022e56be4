"""YAML portability gate: every spec file means the same to YAML 1.1 and YAML 1.2 readers."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.artifacts import ARTIFACTS
from ftspec.errors import Location
from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.loader import YamlDoc
from ftspec.portability import find_ambiguities
from ftspec.results import Finding


@gate("yaml.portability", phase="design", source="methodology.md section 5 (YAML pitfalls)")
def yaml_portability(ctx: GateContext) -> Iterator[Finding]:
    """No scalar in any spec file is typed differently by PyYAML (YAML 1.1) and ruamel.yaml (YAML 1.2)."""
    for doc in _yaml_docs(ctx):
        try:
            ambiguities = list(find_ambiguities(doc))
        except Exception as exc:  # PyYAML rejects what ruamel accepted: itself a portability problem
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield Finding(Location(doc.rel, 1 + doc.line_offset), f"PyYAML (YAML 1.1) cannot read this file: {first}",
                          "use YAML both versions accept")
            continue
        for amb in ambiguities:
            yield Finding(
                doc.locate(amb.keypath),
                f"'{amb.text}' is a {amb.as_12} in YAML 1.2 but a {amb.as_11} in YAML 1.1 (PyYAML)",
                amb.fix,
            )


def _yaml_docs(ctx: GateContext) -> Iterator[YamlDoc]:
    names = ["manifest", *ARTIFACTS]
    for name in names:
        if name != "manifest" and not ctx.project.exists(name):
            continue
        loaded = ctx.project.parse(name)
        if loaded.doc is None:
            continue
        doc = ctx.yaml(name) if name != "manifest" else loaded.doc
        if isinstance(doc, YamlDoc):
            yield doc
