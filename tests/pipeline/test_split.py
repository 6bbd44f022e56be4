"""Split by transcript first, slice per the methodology, drop contaminated slices."""

from __future__ import annotations

import random

from ftspec.data.contamination import ContaminationIndex, Record
from ftspec.models.manifest import SplitSettings
from ftspec.pipeline.split import cut_points, split_ids


def test_cuts_start_after_three_exchanges_and_keep_the_last() -> None:
    for n in range(1, 30):
        cuts = cut_points(n, SplitSettings(), random.Random(n))
        assert cuts[-1] == n and (n <= 3 or cuts[0] == 3)
        assert all(2 <= b - a <= 5 for a, b in zip(cuts, cuts[1:-1], strict=False))


def test_split_is_by_transcript_and_seeded() -> None:
    ids = [f"c{i}" for i in range(20)]
    train, evals = split_ids(ids, 0.25, seed=1)
    assert not set(train) & set(evals) and len(evals) == 5 and set(train) | set(evals) == set(ids)
    assert split_ids(ids, 0.25, seed=1) == (train, evals)


def test_contaminated_training_text_is_found() -> None:
    shared = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    index = ContaminationIndex([Record("eval", 1, f"eval side {shared}")], n=13)
    hits = list(index.scan([Record("train", 1, "clean text"), Record("train", 2, f"{shared} more")]))
    assert [h.train.line for h in hits] == [2]
