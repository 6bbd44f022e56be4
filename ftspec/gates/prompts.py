"""Prompt gates (finetune-design step 6)."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.errors import Location
from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.loader import MarkdownDoc
from ftspec.placeholders import todo_lines
from ftspec.prompts import PLACEHOLDERS, placeholders_in
from ftspec.results import Finding

SOURCE = "finetune-design step 6: user simulator, assistant and system prompts"
PROMPTS = ("system_prompt", "user_sim_prompt", "assistant_prompt")


@gate("prompts.present", phase="design", source=SOURCE)
def present(ctx: GateContext) -> Iterator[Finding]:
    """The system, user-simulator and assistant prompts exist, are not empty and hold no TODO lines."""
    for name in PROMPTS:
        if not ctx.project.required(name) and not ctx.project.exists(name):
            continue  # the generator's prompts are not needed by a rag-only project
        loaded = ctx.project.load(name)
        yield from (Finding.from_error(e) for e in loaded.errors)
        if not loaded.ok or not isinstance(loaded.doc, MarkdownDoc):
            continue
        if not loaded.doc.body.strip():
            yield Finding(Location(loaded.rel, loaded.doc.body_line, 1), "prompt body is empty", "write the prompt")
        for lineno, fix in todo_lines(loaded.doc.body):
            yield Finding(Location(loaded.rel, loaded.doc.body_line + lineno - 1, 1), "not filled in yet", fix)


@gate("prompts.placeholders", phase="design", source=SOURCE + "; the generator's placeholders")
def placeholders(ctx: GateContext) -> Iterator[Finding]:
    """Each prompt uses only {placeholders} the generator fills (plus generator.extra_placeholders)."""
    extra = set(ctx.project.manifest.generator.extra_placeholders)
    for name in PROMPTS:
        loaded = ctx.project.load(name)
        if not loaded.ok or not isinstance(loaded.doc, MarkdownDoc):
            continue
        known = PLACEHOLDERS[name] | extra
        for lineno, found in placeholders_in(loaded.doc.body):
            if found not in known:
                offer = ", ".join(sorted(known)) or "none"
                yield Finding(Location(loaded.rel, loaded.doc.body_line + lineno - 1), f"unknown placeholder "
                              f"{{{found}}}", f"the generator fills: {offer}; if your generator fills {{{found}}}, "
                              f"add it to `generator.extra_placeholders` in ftspec.yaml, else write {{{{{found}}}}} "
                              "for literal braces")
