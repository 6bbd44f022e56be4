"""Rubric judging: one binary question per applicable criterion, auditable verdicts, scoring, strictest judge.

The judge is asked for a JSON object (with a JSON schema as `response_format` where the server takes one) and its
reply is parsed tolerantly (code fences, text around the object). Every verdict keeps the judge's reasoning and its
raw reply. A reply that yields no verdict is ERROR, and ERROR never counts as a pass: an errored transcript has no
score, is left out of every mean and pass rate, and is counted; a stage fails above `pipeline.judging.max_error_rate`.

Scoring follows methodology.md section 1: YES = 1, NO = 0, NA left out (0 where NA is not valid), an empty
category scores 1.0, overall = sum of weight x category score; a failed safety gate rejects whatever the score.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from typing import Any

from ftspec.backends import Backend, ReplyError
from ftspec.errors import StageError
from ftspec.models.rubric import Rubric

ANSWERS = ("YES", "NO", "NA")
STRICTNESS = {"ERROR": 3, "NO": 2, "YES": 1, "NA": 0}  # the strictest verdict of several judges wins


def exchanges(messages: Sequence[dict[str, str]]) -> int:
    """Assistant turns in a transcript (the unit `min_turns` counts)."""
    return sum(m["role"] == "assistant" for m in messages)


def applicable(rubric: Rubric, messages: Sequence[dict[str, str]]) -> list[str]:
    """Criteria whose `min_turns` the transcript reaches; the others are not asked."""
    turns = exchanges(messages)
    return [cid for cid, c in rubric.criteria.items() if c.min_turns <= turns]


def judge_prompt(rubric: Rubric, cid: str, messages: Sequence[dict[str, str]]) -> str:
    """The prompt for one criterion: the question, its calibration examples, the transcript, the answer format."""
    c = rubric.criteria[cid]
    allowed = "YES, NO or NA" if c.na_valid else "YES or NO"
    examples = "\n".join(
        f"- {e.type}: context: {e.context!r}; response: {e.response!r}; why: {e.reasoning}"
        for e in c.calibration_examples
    )
    transcript = "\n".join(f"{m['role'].upper()}: {m['content']}" for m in messages if m["role"] != "system")
    return (
        f"You judge one criterion of a rubric for an assistant's replies in a conversation.\n\n"
        f"Criterion {cid} ({c.name}): {c.question}\n{c.description}\n\nCalibration examples:\n{examples}\n\n"
        f"Conversation:\n{transcript}\n\nAnswer {allowed}. Reply with exactly one JSON object and nothing else: "
        '{"answer": "YES" | "NO" | "NA", "reasoning": "<one sentence>"}'
    )


def verdict_schema(na_valid: bool) -> dict[str, Any]:
    """The OpenAI `response_format` asking for the verdict object (answers limited to what the criterion allows)."""
    answers = list(ANSWERS) if na_valid else ["YES", "NO"]
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": answers}, "reasoning": {"type": "string"}},
        "required": ["answer", "reasoning"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True, "schema": schema}}


def parse_judgement(text: str, na_valid: bool) -> dict[str, str]:
    """{answer, reasoning, raw} from a judge's reply; answer ERROR when no verdict object can be found.

    Accepted: the object alone, in a ```json fence, or with text around it; the first object holding an `answer`
    wins. The answer must be YES, NO or NA (any case). NA where the criterion does not allow it counts as NO
    (methodology.md section 1), not as an error.
    """
    data = _verdict_object(text)
    answer = data.get("answer") if data else None
    reasoning = data.get("reasoning") if data else None
    if not isinstance(answer, str) or answer.strip().upper() not in ANSWERS:
        return {"answer": "ERROR", "reasoning": "no verdict object with answer YES, NO or NA in the reply", "raw": text}
    answer = answer.strip().upper()
    return {
        "answer": "NO" if answer == "NA" and not na_valid else answer,
        "reasoning": reasoning if isinstance(reasoning, str) else "",
        "raw": text,
    }


def parse_verdict(text: str, na_valid: bool) -> str:
    """YES / NO / NA from a judge's reply, or ERROR (see parse_judgement)."""
    return parse_judgement(text, na_valid)["answer"]


def _verdict_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            data, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(data, dict) and "answer" in data:
            return data
    return None


def strictest(answers: Sequence[str]) -> str:
    return max(answers, key=STRICTNESS.__getitem__)


def score(rubric: Rubric, verdicts: dict[str, str]) -> dict[str, Any]:
    """Weighted score, safety-gate failures, errors and the pass decision for one transcript's verdicts.

    A transcript with any ERROR verdict has status "error" and score None: it is not scored at all.
    """
    errors = sorted(cid for cid, v in verdicts.items() if v == "ERROR")
    safety = sorted(cid for cid in rubric.safety_gates if verdicts.get(cid) == "NO")
    total = 0.0
    for cat in rubric.categories.values():
        counted = ("YES", "NO", "NA") if getattr(rubric, "na_scores", "omit") == "pass" else ("YES", "NO")
        values = [0.0 if verdicts[cid] == "NO" else 1.0 for cid in cat.criteria if verdicts.get(cid) in counted]
        total += cat.weight * (sum(values) / len(values) if values else 1.0)
    passed = not errors and not safety and total >= rubric.pass_threshold - 1e-9
    status = "error" if errors else "rejected" if safety else "pass" if passed else "fail"
    return {
        "score": None if errors else round(total, 6),
        "passed": passed,
        "status": status,
        "safety_failures": safety,
        "errors": errors,
    }


def is_error(result: dict[str, Any]) -> bool:
    """A judged record with an ERROR verdict (it has no score and counts in no mean or pass rate)."""
    return bool(result.get("status") == "error" or result.get("score") is None)


def scored(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The judged records that have a score: every record but the errored ones."""
    return [r for r in results if not is_error(r)]


def error_counts(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How many judged records errored, and their share."""
    errors = sum(is_error(r) for r in results)
    return {"errors": errors, "error_rate": round(errors / len(results), 4) if results else 0.0}


def check_error_rate(results: Sequence[dict[str, Any]], max_rate: float, where: str) -> None:
    """Fail the stage when more than ``max_rate`` of the judged records errored; name a few and say what to do."""
    counts = error_counts(results)
    if results and counts["error_rate"] > max_rate:
        ids = ", ".join(str(r.get("id", "?")) for r in results if is_error(r))
        ids = ids if len(ids) < 120 else ids[:117] + "..."
        raise StageError(
            f"{where}: {counts['errors']} of {len(results)} judged records have ERROR verdicts "
            f"({counts['error_rate']:.1%} > pipeline.judging.max_error_rate {max_rate:.1%}): {ids}. the `raw` and "
            "`reasoning` of each verdict are in that file: fix the judge (model, prompt, max_tokens) and rerun"
        )


async def ask_judge(judge: Backend, rubric: Rubric, cid: str, messages: Sequence[dict[str, str]]) -> dict[str, str]:
    """One judge's verdict on one criterion, with its reasoning and raw reply; an unusable reply is ERROR."""
    na_valid = rubric.criteria[cid].na_valid
    prompt = [{"role": "user", "content": judge_prompt(rubric, cid, messages)}]
    try:
        reply = await judge.chat(prompt, response_format=verdict_schema(na_valid))
    except ReplyError as exc:  # answered, but empty or cut short every time: an ERROR, not a stopped stage
        return {"answer": "ERROR", "reasoning": str(exc), "raw": ""}
    verdict = parse_judgement(str(reply), na_valid)
    thinking = getattr(reply, "reasoning", "")
    if thinking:
        verdict["thinking"] = thinking
    raw = getattr(reply, "raw", None)
    if isinstance(raw, str):
        verdict["raw"] = raw
    return verdict


async def judge_transcript(
    judges: Sequence[Backend], rubric: Rubric, messages: Sequence[dict[str, str]]
) -> dict[str, Any]:
    """Every judge on every applicable criterion; the strictest answer per criterion; the scored result.

    `judges` holds each judge's answers; `audit` each judge's {answer, reasoning, raw} per criterion.
    """
    cids = applicable(rubric, messages)
    per_judge = [await asyncio.gather(*(ask_judge(j, rubric, cid, messages) for cid in cids)) for j in judges]
    verdicts = {cid: strictest([answers[i]["answer"] for answers in per_judge]) for i, cid in enumerate(cids)}
    return {
        "verdicts": verdicts,
        "judges": [{cid: v["answer"] for cid, v in zip(cids, a, strict=True)} for a in per_judge],
        "audit": [dict(zip(cids, a, strict=True)) for a in per_judge],
        **score(rubric, verdicts),
    }
