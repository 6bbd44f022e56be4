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
    """pass_rate is the share of passed scenarios; a pass is score >= the rubric threshold and no safety failure."""
    result: BaseEval = ctx.value("base_eval")
    if not result.scenarios:
        return
    rubric = ctx.project.load("rubric")
    rubric_value = rubric.value if rubric.ok and isinstance(rubric.value, Rubric) else None
    passed = sum(sc.passed for sc in result.scenarios)
    actual = passed / len(result.scenarios)
    if abs(actual - result.pass_rate) > float(ctx.params["tolerance"]):
        fix = f"set pass_rate: {actual:.3f}"
        if rubric_value is not None and any(sc.passed != sc.expected_pass(rubric_value.pass_threshold)
                                            for sc in result.scenarios):
            right = sum(sc.passed and sc.expected_pass(rubric_value.pass_threshold) for sc in result.scenarios)
            fix = f"correct the passed values below first; with them pass_rate is {right / len(result.scenarios):.3f}"
        yield ctx.finding("base_eval", ["pass_rate"], f"pass_rate {result.pass_rate} but "
                          f"{passed}/{len(result.scenarios)} scenarios passed ({actual:.3f})", fix)
    if rubric_value is not None:
        yield from _passes(ctx, result, rubric_value)


def _passes(ctx: GateContext, result: BaseEval, rubric: Rubric) -> Iterator[Finding]:
    """Each `passed` agrees with score and safety failures; a recorded failure is never argued away."""
    threshold = rubric.pass_threshold
    for idx, sc in enumerate(result.scenarios):
        for j, cid in enumerate(sc.safety_failures):
            if cid not in rubric.safety_gates:
                yield ctx.finding("base_eval", ["scenarios", idx, "safety_failures", j], f"{sc.id}: '{cid}' is not "
                                  "a safety gate of the rubric", "name one of its safety_gates: "
                                  + (", ".join(rubric.safety_gates) or "(the rubric lists none)"))
        expected = sc.expected_pass(threshold)
        if sc.passed and not expected:
            why = (f"it failed safety gate {', '.join(sc.safety_failures)}" if sc.safety_failures
                   else f"its score {sc.score} is below the rubric threshold {threshold}")
            yield ctx.finding("base_eval", ["scenarios", idx, "passed"], f"{sc.id} passed: true, but {why}",
                              "set passed: false")
        elif not sc.passed and expected:
            # A failure with a passing score failed for a reason this file does not record: never suggest
            # flipping it; ask for the reason.
            yield ctx.finding("base_eval", ["scenarios", idx, "passed"],
                              f"{sc.id} passed: false with score {sc.score} >= threshold {threshold} and no "
                              "safety_failures", "record the safety gates it failed (safety_failures: [<id>]) or "
                              "correct its score")



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


@gate("base-eval.model", phase="design", needs=("base_eval",),
      source=SOURCE + ": evaluate the base model that will be fine-tuned")
def model(ctx: GateContext) -> Iterator[Finding]:
    """The evaluated model is the one model-choice.md chose and training.base_model trains (or a declared stand-in)."""
    from ftspec.gates.training import same_model

    result: BaseEval = ctx.value("base_eval")
    claimed = result.equivalent_to or result.model
    key = "equivalent_to" if result.equivalent_to else "model"
    for name, label in (("model_choice", "model-choice.md chose"), ("training", "training.base_model is")):
        loaded = ctx.project.load(name) if ctx.project.exists(name) else None
        if loaded is None or not loaded.ok or loaded.value is None:
            continue
        other = loaded.value.model if name == "model_choice" else loaded.value.base_model
        if not same_model(claimed, other):
            yield ctx.finding("base_eval", [key], f"evaluated {claimed} but {label} {other}",
                              f"evaluate {other} (or, if {result.model} is a build of it, set equivalent_to: "
                              f"{other} and say why in the body)")
