"""Persona template gates (finetune-design step 5; persona guide)."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.gates.util import band, pct, sums_to_one, total
from ftspec.models.persona import Dimension, PersonaTemplate
from ftspec.results import Finding

SOURCE = "finetune-design step 5; methodology.md section 1 (persona template)"
METHOD_WORD_LIMITS = {"terse": (30, 80), "casual": (80, 180), "formal": (120, 250),
                      "stream-of-consciousness": (150, 300)}


@gate("personas.weights", phase="design", needs=("personas",), tolerance=0.001, source=SOURCE)
def weights(ctx: GateContext) -> Iterator[Finding]:
    """Each dimension has one weight per option, distinct options, and weights summing to 1.0."""
    tpl: PersonaTemplate = ctx.value("personas")
    dims: dict[str, Dimension] = {"communication_style": tpl.persona_template.communication_style,
                                  **tpl.persona_template.dimensions}
    for name, dim in dims.items():
        where = ["persona_template", name]
        if len(dim.options) != len(dim.weights):
            yield ctx.finding("personas", [*where, "weights"],
                              f"'{name}' has {len(dim.options)} options but {len(dim.weights)} weights",
                              "give exactly one weight per option, in the same order")
        elif not sums_to_one(dim.weights, float(ctx.params["tolerance"])):
            yield ctx.finding("personas", [*where, "weights"], f"weights of '{name}' sum to {total(dim.weights)}",
                              "adjust them so they add up to 1.0")
        dupes = sorted({o for o in dim.options if dim.options.count(o) > 1})
        if dupes:
            yield ctx.finding("personas", [*where, "options"], f"'{name}' repeats {', '.join(dupes)}",
                              "list each option once")


@gate("personas.no-flaw-share", phase="design", needs=("personas",), target=0.20, tolerance=0.05,
      source=SOURCE + ": ~20% of personas have no flaw pattern")
def no_flaw_share(ctx: GateContext) -> Iterator[Finding]:
    """About 20% of personas show no flaw pattern."""
    tpl: PersonaTemplate = ctx.value("personas")
    share, target, tol = tpl.persona_template.flaw_patterns.no_flaw_share, ctx.params["target"], ctx.params["tolerance"]
    if abs(share - target) > tol + 1e-9:
        yield ctx.finding("personas", ["persona_template", "flaw_patterns", "no_flaw_share"],
                          f"no_flaw_share {pct(share)} is outside {band(target, tol)}",
                          f"set it near {pct(target)}: some users are simply cooperative")


@gate("personas.flaw-rates", phase="design", needs=("personas",), severity="warning", primary=0.5, secondary=0.2,
      tolerance=0.1, source=SOURCE + ": primary flaw ~50%, secondary ~20% per message")
def flaw_rates(ctx: GateContext) -> Iterator[Finding]:
    """Flaws show per message: the primary about half the time, each secondary about a fifth."""
    flaws = ctx.value("personas").persona_template.flaw_patterns
    tol = float(ctx.params["tolerance"])
    for key, target in (("primary_rate", ctx.params["primary"]), ("secondary_rate", ctx.params["secondary"])):
        value = getattr(flaws, key)
        if abs(value - target) > tol + 1e-9:
            yield ctx.finding("personas", ["persona_template", "flaw_patterns", key],
                              f"{key} {pct(value)} is outside {band(target, tol)}",
                              "flaws vary per message: real people have good days and bad days")


@gate("personas.style-word-limits", phase="design", needs=("personas",), source=SOURCE + ": word limits per style")
def style_word_limits(ctx: GateContext) -> Iterator[Finding]:
    """Every communication style has a word range (min < max), near the method's for the known styles."""
    tpl: PersonaTemplate = ctx.value("personas")
    limits = tpl.style_word_limits
    for idx, style in enumerate(tpl.persona_template.communication_style.options):
        if style not in limits:
            low, high = METHOD_WORD_LIMITS.get(style, (50, 150))
            yield ctx.finding("personas", ["persona_template", "communication_style", "options", idx],
                              f"style '{style}' has no word limit",
                              f"add `{style}: {{min: {low}, max: {high}}}` under style_word_limits")
    for style, limit in limits.items():
        if limit.min >= limit.max:
            yield ctx.finding("personas", ["style_word_limits", style], f"'{style}' min {limit.min} is not below "
                              f"max {limit.max}", "give a range, min below max")
        elif style in METHOD_WORD_LIMITS:
            low, high = METHOD_WORD_LIMITS[style]
            if limit.max < low or limit.min > high:
                yield ctx.finding("personas", ["style_word_limits", style],
                                  f"'{style}' {limit.min}-{limit.max} words does not overlap the method's {low}-{high}",
                                  "move the range toward the method's or rename the style", "warning")
