"""Contamination gate: no training example overlaps the eval set or the rubric's calibration examples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ftspec.data.records import Record
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.datasets import DataSet, present
from ftspec.gates.registry import gate
from ftspec.results import Finding

if TYPE_CHECKING:
    from ftspec.data.contamination import Hit

SOURCE = (
    "workflow step 5: no contamination with the eval set; n-gram overlap as in GPT-3 (Brown et al. 2020) "
    "and lm-eval-harness decontamination"
)
SHOWN = 20


@gate("data.contamination", phase="data", needs=("training",), ngram=13, source=SOURCE)
def contamination(ctx: GateContext) -> Iterator[Finding]:
    """No training example equals or shares a 13-word sequence with an eval or calibration example."""
    from ftspec.data.contamination import ContaminationIndex, file_batches, scan_file

    sets = present(ctx)
    trains = [s for s in sets if s.is_train]
    if not trains:
        raise NotApplicable("no training set yet; the pipeline writes it")
    held_out = [s for s in sets if not s.is_train]
    references = [b for s in held_out for b in file_batches(s.path, s.rel)]
    calibration = list(_calibration(ctx))
    if not references and not calibration:
        raise NotApplicable("nothing to compare with: no eval set and no rubric calibration examples")
    from ftspec.data.batches import record_batches

    index = ContaminationIndex.from_batches(
        [*references, *record_batches(calibration)], n=int(ctx.params["ngram"])
    )
    for train in trains:
        yield from _findings(train, list(scan_file(index, train.path, train.rel)))


def _findings(train: DataSet, hits: list[Hit]) -> Iterator[Finding]:
    for hit in hits[:SHOWN]:
        other = f"{hit.other.path}:{hit.other.line}"
        what = "equals" if hit.kind == "exact" else "shares"
        yield Finding(
            train.at(hit.train.line),
            f"{what} '{hit.overlap}' with {other}",
            "drop the example from the training set (the split stage does this)",
        )
    if len(hits) > SHOWN:
        yield Finding(
            train.at(),
            f"{len(hits) - SHOWN} more contaminated examples ({len(hits)} in all)",
            "run `ftspec contamination` for the full list",
        )


def _calibration(ctx: GateContext) -> Iterator[Record]:
    """The rubric's calibration examples, when the rubric loads."""
    from ftspec.data.calibration import calibration_records

    if ctx.project.exists("rubric") and ctx.project.load("rubric").ok:
        yield from calibration_records(ctx.value("rubric"), ctx.yaml("rubric"), ctx.project.rel("rubric"))
