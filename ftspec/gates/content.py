"""Content gates over the generated transcripts: reply length, generation artifacts and language.

They read the same one-pass summary as the other data gates (ftspec.gates.datasets), so they add no read of
the data; each message is looked at once however many slices repeat it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.data import _capped
from ftspec.gates.datasets import present, summary
from ftspec.gates.registry import gate
from ftspec.gates.util import pct
from ftspec.results import Finding

PROMPTS = "methodology.md section 1 (prompts: assistant length 1.0-1.5x the user's words, hard limit 2x)"
AUDIT = "methodology.md section 4 (audit red flags: average length ratio > 2x the user's)"
ROLES = ("user", "assistant")


@gate(
    "data.length-ratio",
    phase="data",
    needs=("training",),
    limit=2.0,
    share=0.5,
    source=f"{PROMPTS}; {AUDIT}",
)
def length_ratio(ctx: GateContext) -> Iterator[Finding]:
    """No example has replies longer than `limit` x the preceding user message in more than `share` of its turns."""
    limit, share = float(ctx.params["limit"]), float(ctx.params["share"])
    for ds in present(ctx):
        s = summary(ctx, ds)
        if not s.ratio_pairs:
            raise NotApplicable(f"{ds.rel} has no user -> assistant exchanges")
        found = [
            Finding(
                ds.at(line),
                f"replies exceed {limit:g}x the user's words in {over} of {pairs} turns (more than {pct(share)}); "
                f"all data: {pct(s.ratio_over / s.ratio_pairs)} of turns over {limit:g}x ({s.ratio_distribution()})",
                "shorten the replies to 1.0-1.5x the user's message (regenerate with a length target in the "
                "assistant prompt), or drop the example",
            )
            for line, over, pairs in s.long_replies.items
        ]
        yield from _capped(ds, found, s.long_replies.total, "examples with long replies")


@gate(
    "data.artifacts",
    phase="data",
    needs=("training",),
    patterns={},
    ignore=[],
    roles=list(ROLES),
    source="methodology.md section 4 (generation: simulated user and assistant stay in their roles); "
    "section 1 (prompts: every placeholder filled)",
)
def artifacts(ctx: GateContext) -> Iterator[Finding]:
    """No turn breaks character or leaks the generator: AI self-identification, refusals, simulator notes."""
    from ftspec.data.artifacts import invalid_patterns

    patterns = ctx.params.get("patterns") or {}
    where = ctx.at("manifest", ["gates", "data.artifacts", "patterns"])
    if not isinstance(patterns, dict):
        yield Finding(where, "gates.data.artifacts.patterns is not a mapping",
                      "write it as {kind: regex} or {kind: [regex, ...]}")
        patterns = {}
    for problem in invalid_patterns(patterns):
        yield Finding(where, f"bad pattern {problem}", "fix the regular expression (Python re syntax)")
    for ds in present(ctx):
        s = summary(ctx, ds)
        found = [
            Finding(
                ds.at(line),
                f"message {index} ({role}): {kind}: '{_short(text)}'",
                "drop or regenerate this example (the model would learn to say it); if the text is legitimate, "
                "add its kind to gates.data.artifacts.ignore in ftspec.yaml",
            )
            for line, index, role, kind, text in s.artifacts.items
        ]
        yield from _capped(ds, found, s.artifacts.total, "generation artifacts")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _codes(found: str) -> str:
    """What to add to `languages:` for a language or script data.language found: its code, or the codes of the
    languages written in that script."""
    from ftspec.data.language import codes_for

    codes = [f"`{code}`" for code in codes_for(found)]
    if not codes:
        return "its ISO 639-1 code"
    if len(codes) == 1:
        return codes[0]
    if len(codes) > 4:
        return f"its code ({', '.join(codes[:4])}, ...)"
    return f"its code ({', '.join(codes[:-1])} or {codes[-1]})"


@gate(
    "data.language",
    phase="data",
    needs=("training",),
    min_words=12,
    source="methodology.md section 5 (eval outputs in the wrong language slipped through in the real project)",
)
def language(ctx: GateContext) -> Iterator[Finding]:
    """Most assistant turns of every example are in a language the manifest declares (`languages`, default en)."""
    declared = ", ".join(ctx.project.manifest.languages)
    for ds in present(ctx):
        s = summary(ctx, ds)
        found = [
            Finding(
                ds.at(line),
                f"{off} of {judged} assistant turns are in {lang}, not the project's language ({declared})",
                f"regenerate or drop the example; if the project speaks it, add {_codes(lang)} to `languages:` in "
                "ftspec.yaml",
            )
            for line, lang, off, judged in s.foreign.items
        ]
        yield from _capped(ds, found, s.foreign.total, "examples in another language")
