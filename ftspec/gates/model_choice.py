"""Model choice and token economics (finetune-design steps 1-2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ftspec.errors import Location
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.registry import gate
from ftspec.loader import MarkdownDoc
from ftspec.models.model_choice import ModelChoice
from ftspec.placeholders import is_stand_in, todo_lines
from ftspec.results import Finding


@gate("model-choice.complete", phase="design", needs=("model_choice",), heading="tradeoffs",
      source="finetune-design step 1: model chosen with documented tradeoffs")
def model_choice_complete(ctx: GateContext) -> Iterator[Finding]:
    """model-choice.md names the model, size, license, context window, quantization, target and tradeoffs."""
    choice: ModelChoice = ctx.value("model_choice")
    for key, value in choice.model_dump().items():
        if isinstance(value, str) and is_stand_in(value):
            yield ctx.finding("model_choice", [key], f"'{value}' is a placeholder", f"fill in the {key}")
    doc = ctx.doc("model_choice")
    assert isinstance(doc, MarkdownDoc)
    wanted = str(ctx.params["heading"]).lower()
    section = _section(doc, wanted)
    if section is None:
        yield Finding(ctx.at("model_choice"), f"no '{wanted.title()}' section",
                      "add a `## Tradeoffs` section: what this model gives up against the alternatives")
    elif not section.strip():
        yield Finding(ctx.at("model_choice"), f"the '{wanted.title()}' section is empty", "write the tradeoffs")
    for lineno, fix in todo_lines(doc.body):
        yield Finding(Location(doc.rel, doc.body_line + lineno - 1, 1), "not filled in yet", fix)


def _section(doc: MarkdownDoc, wanted: str) -> str | None:
    lines = doc.body.splitlines()
    for idx, (line, _level, title) in enumerate(doc.headings):
        if _words(wanted) in _words(title):  # "Trade-offs", "Trade offs" and "Tradeoffs" are one heading
            end = doc.headings[idx + 1][0] if idx + 1 < len(doc.headings) else doc.body_line + len(lines)
            return "\n".join(lines[line - doc.body_line + 1 : end - doc.body_line])
    return None


def _words(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.lower())


@gate("tokens.budget", phase="design", needs=("model_choice",), warn_above=16384,
      source="finetune-design step 2: max tokens defined; 16K is a practical ceiling")
def token_budget(ctx: GateContext) -> Iterator[Finding]:
    """A max token length per training example is defined, fits the context window, and warns above 16K."""
    if ctx.project.manifest.architecture == "rag-only":
        raise NotApplicable("rag-only project: no training examples to budget")
    choice: ModelChoice = ctx.value("model_choice")
    budget = ctx.project.manifest.token_budget
    where = ctx.at("manifest", ["token_budget"])
    limit = budget.max_tokens_per_example if budget else choice.max_tokens_per_example
    if budget is None and choice.max_tokens_per_example is not None:
        where = ctx.at("model_choice", ["max_tokens_per_example"])
    if limit is None:
        yield Finding(where, "no token budget defined",
                      "add `token_budget: {max_tokens_per_example: 8192}` to ftspec.yaml")
        return
    if limit > choice.context_window:
        yield Finding(where, f"max_tokens_per_example {limit} exceeds the context window {choice.context_window}",
                      "lower the budget or pick a model with a longer context")
    warn_above = int(ctx.params["warn_above"])
    if limit > warn_above:
        yield Finding(where, f"max_tokens_per_example {limit} is above {warn_above}: {_band(limit)}",
                      "16K is a practical ceiling for most projects; slice longer transcripts", "warning")


def _band(tokens: int) -> str:
    if tokens <= 8192:
        return "under 8K, cheapest"
    if tokens <= 16384:
        return "8-16K, cost-effective"
    return "16-32K, expensive" if tokens <= 32768 else "over 32K, very expensive"
