"""Strict verdict parsing, the strictest judge, scoring with safety gates and min_turns."""

from __future__ import annotations

import asyncio

import pytest

from ftspec.backends import ReplyError
from ftspec.backends.scripted import ScriptedBackend
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig
from ftspec.models.rubric import Rubric
from ftspec.pipeline.judging import (
    applicable,
    check_error_rate,
    error_counts,
    judge_transcript,
    parse_judgement,
    parse_verdict,
    score,
    scored,
    strictest,
    verdict_schema,
)

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
        ('{"answer": "yes", "reasoning": "ok"}', False, "YES"),
        ('{"answer": "YES"}', False, "YES"),
        ('{"answer": "YES", "reasoning": "ok", "score": 5}', False, "YES"),
        ('```json\n{"answer": "NO", "reasoning": "ok"}\n```', False, "NO"),
        ('Here is my verdict: {"answer": "NO", "reasoning": "a {brace}"} hope it helps', False, "NO"),
        ('{"note": "x"} then {"answer": "YES", "reasoning": "ok"}', False, "YES"),
        ('{"answer": "MAYBE", "reasoning": "ok"}', False, "ERROR"),
        ('{"answer": ["YES"], "reasoning": "ok"}', False, "ERROR"),
        ('{"answer": "YES", "reasoning": "ok"', False, "ERROR"),
        ("YES", False, "ERROR"),
        ("", False, "ERROR"),
    ],
)
def test_parse_verdict_is_tolerant_of_wrapping_strict_on_the_answer(text: str, na_valid: bool, expected: str) -> None:
    assert parse_verdict(text, na_valid) == expected


def test_the_judgement_keeps_reasoning_and_raw_reply() -> None:
    text = 'Sure.\n```json\n{"answer": "NO", "reasoning": "ignores the question"}\n```'
    assert parse_judgement(text, False) == {"answer": "NO", "reasoning": "ignores the question", "raw": text}
    assert parse_judgement("no idea", False)["raw"] == "no idea"


def test_the_verdict_schema_allows_only_valid_answers() -> None:
    assert verdict_schema(False)["json_schema"]["schema"]["properties"]["answer"]["enum"] == ["YES", "NO"]
    assert verdict_schema(True)["json_schema"]["schema"]["properties"]["answer"]["enum"] == ["YES", "NO", "NA"]


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
    errored = score(RUBRIC, {"C1": "ERROR", "C2": "YES", "S": "YES"})
    assert errored["status"] == "error" and errored["score"] is None and not errored["passed"]


def test_an_error_never_counts_as_a_pass() -> None:
    """Every verdict ERROR used to leave every category empty, and an empty category scores 1.0."""
    all_errors = score(RUBRIC, {"C1": "ERROR", "C2": "ERROR", "S": "ERROR"})
    assert all_errors["score"] is None and not all_errors["passed"]
    results = [{"id": "a", **all_errors}, {"id": "b", **score(RUBRIC, {"C1": "YES", "C2": "NO", "S": "YES"})}]
    assert [r["id"] for r in scored(results)] == ["b"]
    assert error_counts(results) == {"errors": 1, "error_rate": 0.5}
    check_error_rate(results, 0.5, "x.jsonl")
    with pytest.raises(StageError, match=r"x.jsonl: 1 of 2 judged records have ERROR verdicts \(50.0% > .*\): a\. "):
        check_error_rate(results, 0.4, "x.jsonl")


def test_an_unparseable_judge_fails_the_record() -> None:
    good = ScriptedBackend(BackendConfig(kind="scripted"), "judge")
    bad = ScriptedBackend(BackendConfig(kind="scripted", model="bad-json"), "judge")
    result = asyncio.run(judge_transcript([good, bad], RUBRIC, TWO_TURNS))
    assert result["status"] == "error" and not result["passed"] and result["score"] is None
    assert set(result["verdicts"].values()) == {"ERROR"}
    good_audit, bad_audit = result["audit"]
    assert good_audit["C1"]["reasoning"] == "scripted verdict (not a model judgment)"
    assert bad_audit["C1"] == {"answer": "ERROR", "reasoning": bad_audit["C1"]["reasoning"], "raw": "YES, mostly."}


def test_a_judge_that_answers_nothing_is_an_error_not_a_crash() -> None:
    class Mute:
        async def chat(self, messages: list[dict[str, str]], response_format: object = None) -> str:
            raise ReplyError("http://x/v1 (model m): the server returned an empty completion on all 2 attempts")

    class Recorder:
        formats: list[object] = []

        async def chat(self, messages: list[dict[str, str]], response_format: object = None) -> str:
            self.formats.append(response_format)
            return '{"answer": "YES", "reasoning": "ok"}'

    result = asyncio.run(judge_transcript([Recorder(), Mute()], RUBRIC, TWO_TURNS))
    assert result["status"] == "error" and "empty completion" in result["audit"][1]["C1"]["reasoning"]
    assert Recorder.formats and all(f["type"] == "json_schema" for f in Recorder.formats)  # type: ignore[index]
