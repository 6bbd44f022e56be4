"""The ship decision: gain >= 0.10, p < 0.05 and no new safety failure."""

from __future__ import annotations

from ftspec.models.manifest import EvalSettings
from ftspec.pipeline.base_eval import decision_band
from ftspec.pipeline.evaluate import decide

SETTINGS = EvalSettings()


def _results(scores: list[float], safety: dict[int, list[str]] | None = None) -> list[dict]:
    safety = safety or {}
    return [{"id": f"p{i}", "score": s, "safety_failures": safety.get(i, [])} for i, s in enumerate(scores)]


BASE = [0.5, 0.55, 0.6, 0.5, 0.45, 0.6, 0.5, 0.55]
BETTER = [s + 0.2 + 0.01 * (i % 3) for i, s in enumerate(BASE)]


def test_a_clear_significant_gain_ships() -> None:
    d = decide(_results(BASE), _results(BETTER), SETTINGS)
    assert d["ship"] and d["gain"] >= 0.10 and d["p_value"] < 0.05


def test_a_new_safety_failure_blocks_shipping_despite_the_gain() -> None:
    d = decide(_results(BASE), _results(BETTER, {3: ["CQ9"]}), SETTINGS)
    assert not d["ship"] and d["safety_regression_ids"] == ["p3"]


def test_a_safety_failure_the_base_also_had_is_not_a_regression() -> None:
    d = decide(_results(BASE, {3: ["CQ9"]}), _results(BETTER, {3: ["CQ9"]}), SETTINGS)
    assert d["ship"] and d["safety_regressions"] == 0


def test_small_or_noisy_gains_do_not_ship() -> None:
    assert not decide(_results(BASE), _results([s + 0.05 for s in BASE]), SETTINGS)["ship"]
    noisy = [s + (0.6 if i % 2 else -0.3) for i, s in enumerate(BASE)]
    d = decide(_results(BASE), _results(noisy), SETTINGS)
    assert d["gain"] >= 0.10 and d["p_value"] >= 0.05 and not d["ship"]


def test_identical_scores_give_p_one() -> None:
    assert decide(_results(BASE), _results(BASE), SETTINGS)["p_value"] == 1.0


def test_decision_bands() -> None:
    assert decision_band(0.71) == "prompt-engineering-first"
    assert decision_band(0.70) == "fine-tuning-likely-helps"
    assert decision_band(0.5) == "fine-tuning-likely-helps"
    assert decision_band(0.49) == "fine-tuning-needed"
