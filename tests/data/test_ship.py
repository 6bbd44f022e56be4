"""The ship rule without scipy: the stdlib paired t-test against scipy.stats.ttest_rel, and the decision."""

from __future__ import annotations

import random

import pytest

from ftspec.data.ship import Paired, decide, paired_p


def _pairs(seed: int, n: int, shift: float, noise: float) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    base = [rng.uniform(0.2, 0.8) for _ in range(n)]
    return [b + shift + rng.gauss(0, noise) for b in base], base


@pytest.mark.parametrize(("seed", "n", "shift", "noise"), [(1, 5, 0.1, 0.1), (2, 20, 0.02, 0.2), (3, 8, 0.3, 0.05),
                                                           (4, 40, 0.0, 0.3), (5, 2, 0.1, 0.1), (6, 200, 0.01, 0.1)])
def test_p_matches_scipy(seed: int, n: int, shift: float, noise: float) -> None:
    stats = pytest.importorskip("scipy.stats")
    tuned, base = _pairs(seed, n, shift, noise)
    assert paired_p(tuned, base) == pytest.approx(float(stats.ttest_rel(tuned, base).pvalue), rel=1e-7, abs=1e-12)


def test_degenerate_inputs_are_no_evidence() -> None:
    assert paired_p([0.5], [0.4]) == 1.0
    assert paired_p([0.5, 0.6], [0.5, 0.6]) == 1.0  # identical: scipy says nan; no evidence of a difference
    assert paired_p([0.6, 0.7], [0.5, 0.6]) == 0.0  # a constant gain: scipy's t is infinite


def test_decide_blocks_a_new_safety_failure_despite_the_gain() -> None:
    tuned, base = _pairs(7, 10, 0.3, 0.02)
    pairs = enumerate(zip(base, tuned, strict=True))
    results = [Paired(f"p{i}", b, t, (), ("CQ9",) if i == 3 else ()) for i, (b, t) in pairs]
    d = decide(results, 0.10, 0.05)
    assert d["gain"] >= 0.10 and d["p_value"] < 0.05  # type: ignore[operator]
    assert not d["ship"] and d["safety_regression_ids"] == ["p3"]
    assert decide([Paired(r.id, r.base, r.tuned) for r in results], 0.10, 0.05)["ship"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_score_that_is_no_finite_number_never_ships(bad: float) -> None:
    """NaN compares false with everything: 'gain < min_gain' and 'p >= alpha' were both false, so it shipped."""
    tuned, base = _pairs(7, 10, 0.3, 0.02)
    results = [Paired(f"p{i}", b, bad if i == 2 else t) for i, (b, t) in enumerate(zip(base, tuned, strict=True))]
    assert decide([Paired(r.id, r.base, tuned[i]) for i, r in enumerate(results)], 0.10, 0.05)["ship"]
    d = decide(results, 0.10, 0.05)
    assert not d["ship"] and d["reasons"]
