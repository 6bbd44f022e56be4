"""Drift gates for numbers and lists restated in prose: the rubric's Markdown restatements, and the persona
template's flaw rates as the prompts repeat them. The YAML is the source; the prose must agree with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ftspec.errors import Location, SpecError
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.registry import gate
from ftspec.gates.util import pct
from ftspec.loader import MarkdownDoc
from ftspec.models.persona import PersonaTemplate
from ftspec.models.rubric import Rubric
from ftspec.results import Finding

SOURCE = "one source of truth per fact: a Markdown restatement must agree with the YAML it restates"
COUNT = re.compile(r"\b(\d+)\s+(?:binary\s+|rubric\s+|yes/no\s+)?criteri(?:a|on)\b", re.I)


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().strip("*`").lower())


@gate("rubric.drift", phase="design", needs=("rubric",), restatements=[], source=SOURCE)
def rubric_drift(ctx: GateContext) -> Iterator[Finding]:
    """Markdown restatements of the rubric name its criteria, their count and their categories as the YAML does."""
    paths = [str(p) for p in ctx.params["restatements"] or []]
    if not paths:
        raise NotApplicable("no Markdown restatement declared (gates: rubric.drift: restatements: [docs/rubric.md])")
    rubric: Rubric = ctx.value("rubric")
    for idx, rel in enumerate(paths):
        path = ctx.project.root / rel
        ctx.project.track_file(path)
        if not path.is_file():
            yield ctx.finding("manifest", ["gates", "rubric.drift", "restatements", idx], f"{rel} does not exist",
                              "correct the path or remove it from restatements")
            continue
        try:
            text = ctx.read_text(rel, ("gates", "rubric.drift", "restatements"))
        except SpecError as refused:  # outside the project, or a FIFO or device
            yield Finding.from_error(refused)
            continue
        except OSError as exc:
            yield ctx.finding("manifest", ["gates", "rubric.drift", "restatements", idx], f"{rel}: {exc}",
                              "make it a regular file inside the project")
            continue
        yield from _restatement(rel, text, rubric)


def _id_pattern(rubric: Rubric) -> re.Pattern[str]:
    """Criterion ids as the rubric spells them, and any other id of the same shape (CQ1 -> CQ<n>)."""
    prefixes = sorted({m[1] for cid in rubric.criteria if (m := re.fullmatch(r"([A-Za-z]+)[-_]?\d+", cid))})
    exact = "|".join(re.escape(c) for c in sorted(rubric.criteria, key=len, reverse=True))
    shaped = "|".join(rf"{re.escape(p)}[-_]?\d+" for p in prefixes)
    return re.compile(rf"(?<![\w-])({shaped + '|' if shaped else ''}{exact})(?![\w-])")


def _restatement(rel: str, text: str, rubric: Rubric) -> Iterator[Finding]:
    ids = _id_pattern(rubric)
    seen: dict[str, int] = {}
    categories = {cid: owners for cid, owners in rubric.category_of().items() if cid in rubric.criteria}
    column: int | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        for match in ids.finditer(line):
            seen.setdefault(match[1], lineno)
        for match in COUNT.finditer(line):
            count = len(rubric.criteria)
            if int(match[1]) != count:
                yield Finding(Location(rel, lineno, match.start() + 1), f"states {match[1]} criteria; the rubric has "
                              f"{count}", f"write {count} (the rubric YAML is the source)")
        column = _table_column(line, column)
        yield from _category_cell(rel, lineno, line, column, ids, categories)
    for cid, lineno in seen.items():
        if cid not in rubric.criteria:
            yield Finding(Location(rel, lineno), f"{cid} is not a criterion of the rubric",
                          "remove it here, or add the criterion to the rubric YAML")
    missing = [cid for cid in rubric.criteria if cid not in seen]
    if missing and seen:
        yield Finding(Location(rel, 1), f"{', '.join(missing)} of the rubric not restated here",
                      "add them, so the restatement lists every criterion")


def _table_column(line: str, column: int | None) -> int | None:
    """The index of a table's `category` column, kept while the table lasts."""
    if not line.strip().startswith("|"):
        return None
    cells = [_norm(c) for c in line.strip().strip("|").split("|")]
    return cells.index("category") if "category" in cells else column


def _category_cell(rel: str, lineno: int, line: str, column: int | None, ids: re.Pattern[str],
                   categories: dict[str, list[str]]) -> Iterator[Finding]:
    if column is None:
        return
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    named = [m[1] for c in cells for m in [ids.fullmatch(c.strip("*` "))] if m]
    if not named or column >= len(cells) or named[0] not in categories:
        return
    stated, owners = cells[column], categories[named[0]]
    if owners and _norm(stated) not in {_norm(o) for o in owners}:
        yield Finding(Location(rel, lineno), f"{named[0]} is under '{stated.strip('*` ')}' here but in category "
                      f"'{owners[0]}' in the rubric", f"write {owners[0]}")


PROMPTS = ("system_prompt", "user_sim_prompt", "assistant_prompt")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(%|percent\b)", re.I)
# What a percentage in a prompt restates, by the words before it on its line.
RATES = {
    "no_flaw_share": re.compile(r"\bno[ -]flaws?\b|\bwithout (?:a |any )?flaws?\b|\bflawless\b|\bcooperative\b", re.I),
    "primary_rate": re.compile(r"\bprimary\b", re.I),
    "secondary_rate": re.compile(r"\bsecondary\b", re.I),
}


@gate("prompts.persona-drift", phase="design", needs=("personas",), source=SOURCE)
def persona_drift(ctx: GateContext) -> Iterator[Finding]:
    """Flaw rates and the no-flaw share the prompts restate match the persona template."""
    tpl: PersonaTemplate = ctx.value("personas")
    flaws = tpl.persona_template.flaw_patterns
    truth = {"no_flaw_share": flaws.no_flaw_share, "primary_rate": flaws.primary_rate,
             "secondary_rate": flaws.secondary_rate}
    labels = {"no_flaw_share": "the no-flaw share", "primary_rate": "the primary flaw rate",
              "secondary_rate": "the secondary flaw rate"}
    for name in PROMPTS:
        if not ctx.project.exists(name):
            continue
        loaded = ctx.project.load(name)
        if not loaded.ok or not isinstance(loaded.doc, MarkdownDoc):
            continue
        for lineno, line in enumerate(loaded.doc.body.splitlines(), loaded.doc.body_line):
            for key, value, col in _stated_rates(line):
                if abs(value - truth[key]) > 1e-9:
                    yield Finding(Location(loaded.rel, lineno, col), f"states {labels[key]} as {pct(value)}; "
                                  f"{Path(ctx.project.rel('personas')).name} says {pct(truth[key])}",
                                  f"write {pct(truth[key])} (the persona template is the source)")


def _stated_rates(line: str) -> Iterator[tuple[str, float, int]]:
    """(rate key, share, column) for each percentage in a clause that names a rate: the rate's words nearest
    before it in the clause, else nearest after it ("10% of users have no flaw")."""
    for match in PERCENT.finditer(line):
        start = max(line.rfind(";", 0, match.start()), line.rfind(". ", 0, match.start())) + 1
        ends = [i for i in (line.find(";", match.end()), line.find(". ", match.end())) if i >= 0]
        end = min(ends) if ends else len(line)
        before = [(m.end(), key) for key, rx in RATES.items() for m in rx.finditer(line, start, match.start())]
        after = [(-m.start(), key) for key, rx in RATES.items() for m in rx.finditer(line, match.end(), end)]
        if before or after:
            yield max(before or after)[1], float(match[1]) / 100, match.start() + 1
