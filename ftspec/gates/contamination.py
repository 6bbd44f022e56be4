"""Contamination gate: no training example overlaps the eval set or the rubric's calibration examples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftspec.data.records import Record
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.datasets import DataSet, present
from ftspec.gates.registry import gate
from ftspec.results import Finding

if TYPE_CHECKING:
    from ftspec.data.contamination import Flagged, Report

SOURCE = (
    "workflow step 5: no contamination with the eval set; n-gram overlap as in GPT-3 (Brown et al. 2020) "
    "and lm-eval-harness decontamination"
)
SHOWN = 20


@gate("data.contamination", phase="data", needs=("training",), ngram=None, source=SOURCE)
def contamination(ctx: GateContext) -> Iterator[Finding]:
    """No training example equals or shares an n-gram (data.contamination in ftspec.yaml) with an eval or
    calibration example; text most records share (a system prompt) is left out and reported."""
    from ftspec.data.comparison import Comparison

    if ctx.params.get("ngram") is not None:  # the gate's own setting before data.contamination existed
        yield ctx.finding(
            "manifest",
            ["gates", "data.contamination", "ngram"],
            "the n-gram length moved to data.contamination.ngram (the split stage reads it too)",
            f"write `data: {{contamination: {{ngram: {ctx.params['ngram']}}}}}` and remove this setting",
        )

    sets = present(ctx)
    trains = [s for s in sets if s.is_train]
    if not trains:
        raise NotApplicable("no training set yet; the pipeline writes it")
    held_out = [s for s in sets if not s.is_train]
    references = reference_batches([(s.path, s.rel) for s in held_out], list(_calibration(ctx)))
    if not references:
        raise NotApplicable("nothing to compare with: no eval set and no rubric calibration examples")
    from ftspec.data.contamination import check

    for train in trains:
        report = check([(train.path, train.rel)], references, Comparison.of(ctx.project.manifest))
        yield from _findings(train, report)


def reference_batches(files: list[tuple[Any, str]], calibration: list[Record]) -> list[Any]:
    """The held-out files and calibration examples as the engine's reference batches."""
    from ftspec.data.batches import record_batches
    from ftspec.data.contamination import file_batches

    return [*(b for path, rel in files for b in file_batches(path, rel)), *record_batches(calibration)]


def _findings(train: DataSet, report: Report) -> Iterator[Finding]:
    """Exact copies first, then overlaps, SHOWN at most; then one line with the counts and what was left out."""
    shown = [*report.exact, *report.overlap][:SHOWN]
    for flagged in shown:
        yield _finding(train, flagged)
    if not report.records:
        return
    rest = report.records - len(shown)
    more = f"; {rest:,} more not shown" if rest > 0 else ""
    left = "".join(f"; left out: {what}" for what in report.left_out)
    yield Finding(
        train.at(),
        f"{report.summary()}{more}{left}",
        "drop them from the training set (the split stage does this); `ftspec contamination` lists them all",
    )


def _finding(train: DataSet, flagged: Flagged) -> Finding:
    hit = flagged.hits[0]
    what = "equals" if hit.kind == "exact" else "shares"
    others = f" (and {flagged.others - 1:,} more references)" if flagged.others > 1 else ""
    return Finding(
        train.at(hit.train.line),
        f"{what} '{hit.overlap}' with {hit.other.path}:{hit.other.line}{others}",
        "drop the example from the training set (the split stage does this)",
    )


def _calibration(ctx: GateContext) -> Iterator[Record]:
    """The rubric's calibration examples, when the rubric loads."""
    from ftspec.data.calibration import calibration_records

    if ctx.project.exists("rubric") and ctx.project.load("rubric").ok:
        yield from calibration_records(ctx.value("rubric"), ctx.yaml("rubric"), ctx.project.rel("rubric"))
