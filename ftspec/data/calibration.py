"""The rubric's calibration examples as reference records for the contamination check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftspec.data.records import Record


def calibration_records(rubric: Any, doc: Any, rel: str) -> Iterator[Record]:
    """Each calibration example's context and response, at the line of the example in the rubric file."""
    for cid, criterion in rubric.criteria.items():
        for i, example in enumerate(criterion.calibration_examples):
            line = doc.locate(["criteria", cid, "calibration_examples", i]).line if doc is not None else 0
            yield Record(rel, line, "\n".join(t for t in (example.context, example.response) if t))
