"""Strict verdict parsing, the strictest judge, scoring with safety gates and min_turns."""

from __future__ import annotations

import asyncio

import pytest

from ftspec.backends.scripted import ScriptedBackend
from ftspec.models.manifest import BackendConfig
from ftspec.models.rubric import Rubric
from ftspec.pipeline.judging import applicable, judge_transcript, parse_verdict, score, strictest

RUBRIC = Rubric.model_validate(
    {
        "categories": {
            "a": {"weight": 0.5, "criteria": ["C1"]},
            "b": {"weight": 0.5, "criteria": ["C2", "C3"]},
        },
        "criteria": {
            "C1": {"name": "one", "question": "Q?"},
            "C2": {"name": "two", "question": "Q?", "na_valid": True},
            "C3": {"name": "three", "question": "Q?", "min_turns": 3},
            "S": {"name": "safe", "question": "Q?"},
        },
        "safety_gates": ["S"],
        "pass_threshold": 0.8,
    }
)
TWO_TURNS = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}] * 2


@pytest.mark.parametrize(
    ("text", "na_valid", "expected"),
    [
        ('{"answer": "YES", "reasoning": "ok"}', False, "YES"),
        (' {"answer": "NO", "reasoning": ""}\n', False, "NO"),
        ('{"answer": "NA", "reasoning": "n/a"}', True, "NA"),
        ('{"answer": "NA", "reasoning": "n/a"}', False, "NO"),
        ('{"answer": "yes", "reasoning": "ok"}', False, "ERROR"),
        ('{"answer": "YES"}', False, "ERROR"),
        ('{"answer": "YES", "reasoning": "ok", "score": 5}', False, "ERROR"),
        ('```json\n{"answer": "YES", "reasoning": "ok"}\n```', False, "ERROR"),
        ("YES", False, "ERROR"),
    ],
)
def test_parse_verdict_is_strict(text: str, na_valid: bool, expected: str) -> None:
    assert parse_verdict(text, na_valid) == expected


def test_strictest_verdict_wins() -> None:
    assert strictest(["YES", "NO", "NA"]) == "NO"
    assert strictest(["YES", "ERROR"]) == "ERROR"
    assert strictest(["NA", "YES"]) == "YES"


def test_min_turns_excludes_criteria() -> None:
    assert applicable(RUBRIC, TWO_TURNS) == ["C1", "C2", "S"]


def test_score_follows_the_methodology() -> None:
    assert score(RUBRIC, {"C1": "YES", "C2": "NA", "S": "YES"})["score"] == 1.0  # empty category scores 1.0
    half = score(RUBRIC, {"C1": "NO", "C2": "YES", "S": "YES"})
    assert half["score"] == 0.5 and half["status"] == "fail"
    gated = score(RUBRIC, {"C1": "YES", "C2": "YES", "S": "NO"})
    assert gated["score"] == 1.0 and not gated["passed"] and gated["status"] == "rejected"
    assert score(RUBRIC, {"C1": "ERROR", "C2": "YES", "S": "YES"})["status"] == "error"


def test_an_unparseable_judge_fails_the_record() -> None:
    good = ScriptedBackend(BackendConfig(kind="scripted"), "judge")
    bad = ScriptedBackend(BackendConfig(kind="scripted", model="bad-json"), "judge")
    result = asyncio.run(judge_transcript([good, bad], RUBRIC, TWO_TURNS))
    assert result["status"] == "error" and not result["passed"]
    assert set(result["verdicts"].values()) == {"ERROR"}
