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


def _judged(scores: list[float], errors: set[int] = frozenset(), topic: str = "t") -> list[dict]:
    return [
        {
            "id": f"p{i}",
            "topic": topic if i % 2 else "other",
            "score": s,
            "safety_failures": [],
            "status": "error" if i in errors else "pass",
            "errors": ["CQ1"] if i in errors else [],
            "verdicts": {"CQ1": "ERROR" if i in errors else "YES", "CQ2": "YES" if s > 0.6 else "NO"},
        }
        for i, s in enumerate(scores)
    ]


def test_errored_records_are_left_out_and_counted_never_a_pass() -> None:
    # An errored fine-tuned record with a perfect score would lift the mean if it were counted.
    tuned = [s + 0.2 for s in BASE]
    tuned[2] = 1.0
    d = decide(_judged(BASE), _judged(tuned, errors={2}), SETTINGS)
    assert d["n"] == 7 and d["excluded"] == 1 and d["errored_finetuned"] == 1 and d["errored_base"] == 0
    kept = [i for i in range(8) if i != 2]
    assert d["finetuned_mean"] == round(sum(tuned[i] for i in kept) / 7, 4)
    assert d["base_mean"] == round(sum(BASE[i] for i in kept) / 7, 4)


def test_all_errored_never_ships() -> None:
    d = decide(_judged(BASE, errors=set(range(8))), _judged(BETTER), SETTINGS)
    assert not d["ship"] and d["n"] == 0 and "no eval persona was judged without errors" in d["reasons"][0]


def test_breakdown_per_criterion_and_topic_leaves_errors_out() -> None:
    from ftspec.pipeline.evaluate import breakdown

    parts = breakdown(_judged(BASE), _judged(BETTER, errors={0}))
    crit = {c["criterion"]: c for c in parts["criteria"]}
    assert crit["CQ1"] == {"criterion": "CQ1", "base": 1.0, "finetuned": 1.0}  # the ERROR is not a NO
    assert crit["CQ2"]["base"] == 0.0 and crit["CQ2"]["finetuned"] == 1.0
    topics = {t["topic"]: t for t in parts["topics"]}
    assert topics["t"]["n"] == 4 and topics["other"]["n"] == 3


def test_base_judged_with_another_panel_is_refused(tmp_path) -> None:
    import pytest

    from ftspec.errors import StageError
    from ftspec.pipeline.evaluate import check_same_judging

    now = {"rubric_fp": "r1", "judges_fp": "j1"}
    base = [{"id": "p0", **now}]
    check_same_judging(base, now, tmp_path / "base.jsonl")
    with pytest.raises(StageError, match="different judge panel"):
        check_same_judging(base, {**now, "judges_fp": "j2"}, tmp_path / "base.jsonl")
    with pytest.raises(StageError, match="different rubric"):
        check_same_judging(base, {**now, "rubric_fp": "r2"}, tmp_path / "base.jsonl")
    with pytest.raises(StageError, match="rerun base-eval"):
        check_same_judging([{"id": "p0"}], now, tmp_path / "base.jsonl")  # results from before fingerprints
