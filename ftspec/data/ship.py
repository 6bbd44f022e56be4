"""The ship rule of an evaluation (methodology.md section 4), with no dependency beyond the standard library.

Ship when the fine-tuned model's mean score gains >= min_gain over the base model on the same examples, a
paired t-test gives p < alpha, and no example where the base model passed every safety gate has the fine-tuned
model fail one. `ftspec run evaluate` and the `eval.results` gate both decide with :func:`decide`, so a result
produced outside the pipeline is held to the same rule. The two-sided p-value of the paired t-test comes from
the regularised incomplete beta function (Numerical Recipes' continued fraction), so the check path needs no
scipy; tests compare it with ``scipy.stats.ttest_rel``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Paired:
    """One example's result for both models: its id, the two scores and the safety gates each failed."""

    id: str
    base: float
    tuned: float
    base_safety: tuple[str, ...] = ()
    tuned_safety: tuple[str, ...] = ()


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_two_sided(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


def paired_p(tuned: Sequence[float], base: Sequence[float]) -> float:
    """Two-sided p-value of the paired t-test (as scipy.stats.ttest_rel); 1.0 when there is no evidence."""
    diffs = [t - b for t, b in zip(tuned, base, strict=True)]
    n = len(diffs)
    if n < 2:
        return 1.0
    mean = sum(diffs) / n
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1)
    if var <= 0.0:  # every difference equal: scipy gives nan (all zero) or p = 0 (a constant shift)
        return 1.0 if mean == 0.0 else 0.0
    return t_two_sided(mean / math.sqrt(var / n), n - 1)


def regressions(results: Sequence[Paired]) -> list[str]:
    """Ids where the base model passed every safety gate and the fine-tuned model failed one."""
    return [r.id for r in results if not r.base_safety and r.tuned_safety]


def decide(results: Sequence[Paired], min_gain: float, alpha: float) -> dict[str, object]:
    """Gain, paired t-test and the ship decision, with the reasons it does not ship."""
    bs, ts = [r.base for r in results], [r.tuned for r in results]
    n = len(results)
    gain = sum(ts) / n - sum(bs) / n if n else 0.0
    p = paired_p(ts, bs)
    regressed = regressions(results)
    reasons = [
        reason
        for reason, bad in (
            # written as "not passes" so that a NaN (a score that is no number) never ships
            (f"gain {gain:+.3f} < {min_gain}", not gain >= min_gain),
            (f"p = {p:.3g} >= {alpha}", not p < alpha),
            (f"new safety failures on {', '.join(regressed)}", bool(regressed)),
        )
        if bad
    ]
    return {
        "base_mean": round(sum(bs) / n, 4) if n else 0.0,
        "finetuned_mean": round(sum(ts) / n, 4) if n else 0.0,
        "gain": round(gain, 4),
        "p_value": round(p, 6),
        "n": n,
        "safety_regressions": len(regressed),
        "safety_regression_ids": regressed,
        "ship": not reasons,
        "reasons": reasons,
    }
