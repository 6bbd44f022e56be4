"""Base-model evaluation gates (finetune-design step 7)."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.gates.util import pct
from ftspec.models.base_eval import BaseEval
from ftspec.models.rubric import Rubric
from ftspec.models.taxonomy import InputTaxonomy
from ftspec.results import Finding

SOURCE = "finetune-design step 7: base model evaluation"


@gate("base-eval.scenarios", phase="design", needs=("base_eval",), min=10, max=20, source=SOURCE + ": 10-20 scenarios")
def scenarios(ctx: GateContext) -> Iterator[Finding]:
    """10-20 scenarios with unique ids, on taxonomy topics, covering every topic."""
    result: BaseEval = ctx.value("base_eval")
    low, high = int(ctx.params["min"]), int(ctx.params["max"])
    if not low <= len(result.scenarios) <= high:
        yield ctx.finding("base_eval", ["scenarios"], f"{len(result.scenarios)} scenarios, need {low}-{high}",
                          "evaluate the base model on 10-20 scenarios covering the taxonomy")
    seen: set[str] = set()
    for idx, sc in enumerate(result.scenarios):
        if sc.id in seen:
            yield ctx.finding("base_eval", ["scenarios", idx, "id"], f"scenario id {sc.id} repeats", "make ids unique")
        seen.add(sc.id)
    yield from _coverage(ctx, result)


def _coverage(ctx: GateContext, result: BaseEval) -> Iterator[Finding]:
    loaded = ctx.project.load("taxonomy")
    if not loaded.ok:
        return
    tax: InputTaxonomy = loaded.value
    topics = [t.name for t in tax.taxonomy.topics]
    for idx, sc in enumerate(result.scenarios):
        if sc.topic not in topics:
            yield ctx.finding("base_eval", ["scenarios", idx, "topic"], f"topic '{sc.topic}' is not in the taxonomy",
                              f"use one of: {', '.join(topics)}")
    covered = {sc.topic for sc in result.scenarios}
    for topic in topics:
        if topic not in covered:
            yield ctx.finding("base_eval", ["scenarios"], f"no scenario covers topic '{topic}'",
                              "add a scenario for it", "warning")


@gate("base-eval.pass-rate", phase="design", needs=("base_eval",), tolerance=0.005, source=SOURCE)
def pass_rate(ctx: GateContext) -> Iterator[Finding]:
    """pass_rate equals the share of passed scenarios, and each pass matches score >= the rubric threshold."""
    result: BaseEval = ctx.value("base_eval")
    if not result.scenarios:
        return
    actual = sum(sc.passed for sc in result.scenarios) / len(result.scenarios)
    if abs(actual - result.pass_rate) > float(ctx.params["tolerance"]):
        yield ctx.finding("base_eval", ["pass_rate"], f"pass_rate {result.pass_rate} but "
                          f"{sum(sc.passed for sc in result.scenarios)}/{len(result.scenarios)} scenarios passed "
                          f"({actual:.3f})", f"set pass_rate: {actual:.3f}")
    rubric = ctx.project.load("rubric")
    if rubric.ok:
        threshold = rubric.value.pass_threshold if isinstance(rubric.value, Rubric) else 0.8
        safety = rubric.value.safety_gates if isinstance(rubric.value, Rubric) else []
        for idx, sc in enumerate(result.scenarios):
            # A failed safety gate rejects whatever the score (methodology.md section 1); the notes name it.
            if sc.passed != (sc.score >= threshold) and not (not sc.passed and _rejected(sc.notes, safety)):
                yield ctx.finding("base_eval", ["scenarios", idx, "passed"],
                                  f"{sc.id} score {sc.score} with passed: {str(sc.passed).lower()}, but the rubric "
                                  f"threshold is {threshold}", f"set passed: {str(sc.score >= threshold).lower()}")


def _rejected(notes: str, safety: list[str]) -> bool:
    """The scenario's notes record a failed safety gate (as `ftspec run base-eval` writes them)."""
    return "safety gate failed" in notes.lower() and any(cid in notes for cid in safety)


@gate("base-eval.decision", phase="design", needs=("base_eval",), high=0.70, low=0.50,
      source=SOURCE + ": >70% base may suffice, 50-70% fine-tuning helps, <50% fine-tuning needed")
def decision(ctx: GateContext) -> Iterator[Finding]:
    """The recorded decision follows the pass-rate table."""
    result: BaseEval = ctx.value("base_eval")
    expected = implied_decision(result.pass_rate, float(ctx.params["high"]), float(ctx.params["low"]))
    if result.decision != expected:
        yield ctx.finding("base_eval", ["decision"], f"decision '{result.decision}' but a pass rate of "
                          f"{pct(result.pass_rate)} implies '{expected}'", f"set decision: {expected}")


def implied_decision(rate: float, high: float = 0.70, low: float = 0.50) -> str:
    """The decision band of a base-model pass rate."""
    if rate > high:
        return "prompt-engineering-first"
    return "fine-tuning-likely-helps" if rate >= low else "fine-tuning-needed"
