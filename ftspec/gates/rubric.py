"""Rubric gates (finetune-design step 4; rubric guide)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.gates.util import sums_to_one, total
from ftspec.models.rubric import Rubric
from ftspec.results import Finding

SOURCE = "finetune-design step 4; methodology.md section 1 (rubric)"
AUX = r"(does|do|did|is|are|was|were|has|have|had|can|could|will|would|should)"
YES_NO = re.compile(rf"^({AUX}\b|(when|if|where|while|given|for)\b[^?]*?,\s*{AUX}\b)", re.I)
# Instruction form ("Assess whether ...") is binary when the criterion spells out its YES and NO rules.
RULE = re.compile(r"\b(YES|NO|NA)\b\s*(\(|:|=|-|if\b|when\b|means\b|for\b)")
SCALE = re.compile(r"\b(rate|rating|score|scale|on a scale|\d+\s*(-|to)\s*\d+|how (well|much|many|good)|"
                   r"to what (extent|degree))\b", re.I)


@gate("rubric.binary", phase="design", needs=("rubric",), source=SOURCE + ": binary YES/NO/NA, no numeric scales")
def binary(ctx: GateContext) -> Iterator[Finding]:
    """Every criterion is a yes/no question (or states its YES / NO rules), not a rating on a scale."""
    rubric: Rubric = ctx.value("rubric")
    for cid, crit in rubric.criteria.items():
        where = ["criteria", cid, "question"]
        if has_rules(f"{crit.question}\n{crit.description}"):
            continue
        if SCALE.search(crit.question):
            yield ctx.finding("rubric", where, f"'{crit.question}' asks for a rating",
                              "ask a yes/no question instead (binary judgments are reliable; scales are not)")
        elif not YES_NO.match(crit.question.strip()):
            yield ctx.finding("rubric", where, f"'{crit.question}' is not a yes/no question",
                              "start it with Does/Is/Did/... so a judge can answer YES, NO or NA, or state the rules: "
                              "YES if ...; NO if ... (NA if ...)")


def has_rules(text: str) -> bool:
    """The text states when to answer YES and when NO (upper case: the judge's answers)."""
    answers = {m[1] for m in RULE.finditer(text)}
    return {"YES", "NO"} <= answers


@gate("rubric.category-weights", phase="design", needs=("rubric",), tolerance=0.001, source=SOURCE)
def category_weights(ctx: GateContext) -> Iterator[Finding]:
    """Category weights sum to 1.0."""
    rubric: Rubric = ctx.value("rubric")
    weights = [c.weight for c in rubric.categories.values()]
    if not sums_to_one(weights, float(ctx.params["tolerance"])):
        yield ctx.finding("rubric", ["categories"], f"category weights sum to {total(weights)}, not 1.0",
                          "adjust the category weights so they add up to 1.0")


@gate("rubric.criteria-coverage", phase="design", needs=("rubric",), source=SOURCE)
def criteria_coverage(ctx: GateContext) -> Iterator[Finding]:
    """Every criterion sits in exactly one category (safety gates may stand alone); categories name real criteria."""
    rubric: Rubric = ctx.value("rubric")
    for cid, owners in rubric.category_of().items():
        if cid not in rubric.criteria:
            name = owners[0]
            idx = rubric.categories[name].criteria.index(cid) if cid in rubric.categories[name].criteria else 0
            yield ctx.finding("rubric", ["categories", name, "criteria", idx],
                              f"category '{name}' lists unknown criterion '{cid}'",
                              f"define {cid} under criteria or remove it")
        elif len(owners) > 1:
            yield ctx.finding("rubric", ["criteria", cid], f"{cid} is in {len(owners)} categories: "
                              f"{', '.join(owners)}", "keep it in one category")
        elif rubric.criteria[cid].category not in (None, *rubric.categories):
            yield ctx.finding("rubric", ["criteria", cid, "category"],
                              f"{cid} names unknown category '{rubric.criteria[cid].category}'",
                              f"use one of: {', '.join(rubric.categories)}")
        elif not owners and cid not in rubric.safety_gates:
            yield ctx.finding("rubric", ["criteria", cid], f"{cid} is in no category",
                              "list it under a category's criteria (only safety gates may stand alone)")


@gate("rubric.calibration-examples", phase="design", needs=("rubric",), min=3, max=8,
      source=SOURCE + ": 3-8 calibration examples per criterion (2-3 allowed for unambiguous ones via min)")
def calibration_examples(ctx: GateContext) -> Iterator[Finding]:
    """Each criterion has 3-8 calibration examples with a PASS and a FAIL; subjective ones a borderline case."""
    rubric: Rubric = ctx.value("rubric")
    low, high = int(ctx.params["min"]), int(ctx.params["max"])
    for cid, crit in rubric.criteria.items():
        where = ["criteria", cid, "calibration_examples"]
        examples = crit.calibration_examples
        types = {e.type for e in examples}
        if len(examples) > high:
            yield ctx.finding("rubric", where, f"{cid} has {len(examples)} calibration examples, need {low}-{high}",
                              f"remove {len(examples) - high} (keep a PASS, a FAIL and the most instructive), or "
                              "raise the gate's `max` in ftspec.yaml")
        elif len(examples) < low:
            yield ctx.finding("rubric", where if examples else ["criteria", cid],
                              f"{cid} has {len(examples)} calibration examples, need {low}-{high}",
                              f"add {low - len(examples)} worked PASS/FAIL judgments with context, response and "
                              "reasoning")
        missing = [t for t in ("PASS", "FAIL") if t not in types]
        if missing and examples:
            yield ctx.finding("rubric", where, f"{cid} has no {' or '.join(missing)} example",
                              "calibrate both sides: add at least one PASS and one FAIL")
        if crit.subjective and not types & {"BORDERLINE_PASS", "BORDERLINE_FAIL"}:
            yield ctx.finding("rubric", where, f"{cid} is subjective but has no borderline example",
                              "add a BORDERLINE_PASS or BORDERLINE_FAIL example")


@gate("rubric.na-examples", phase="design", needs=("rubric",), source=SOURCE + ": NA only where na_valid")
def na_examples(ctx: GateContext) -> Iterator[Finding]:
    """NA calibration examples appear only on criteria with `na_valid: true`."""
    rubric: Rubric = ctx.value("rubric")
    for cid, crit in rubric.criteria.items():
        for idx, example in enumerate(crit.calibration_examples):
            if example.type == "NA" and not crit.na_valid:
                yield ctx.finding("rubric", ["criteria", cid, "calibration_examples", idx, "type"],
                                  f"{cid} has an NA example but na_valid is false",
                                  "set `na_valid: true` or change the example")


@gate("rubric.safety-gates", phase="design", needs=("rubric",), min_gates=1,
      source=SOURCE + ": safety gates auto-reject on failure")
def safety_gates(ctx: GateContext) -> Iterator[Finding]:
    """Safety gates exist and name real criteria."""
    rubric: Rubric = ctx.value("rubric")
    if len(rubric.safety_gates) < int(ctx.params["min_gates"]):
        yield ctx.finding("rubric", ["safety_gates"],
                          f"{len(rubric.safety_gates)} safety gates, need {ctx.params['min_gates']}",
                          "list the criteria whose failure must auto-reject, e.g. `safety_gates: [CQ8]`")
    for idx, cid in enumerate(rubric.safety_gates):
        if cid not in rubric.criteria:
            yield ctx.finding("rubric", ["safety_gates", idx], f"safety gate '{cid}' is not a criterion",
                              "name a criterion id from `criteria`")


@gate("rubric.threshold", phase="design", needs=("rubric",), source=SOURCE + ": pass_threshold default 0.80")
def threshold(ctx: GateContext) -> Iterator[Finding]:
    """pass_threshold lies in (0, 1]."""
    rubric: Rubric = ctx.value("rubric")
    if not 0 < rubric.pass_threshold <= 1:
        yield ctx.finding("rubric", ["pass_threshold"], f"pass_threshold {rubric.pass_threshold} is outside (0, 1]",
                          "use a share such as 0.80")
