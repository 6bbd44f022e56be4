"""Evaluation gates: results produced outside the pipeline held to the ship rule, and fresh assessments.

``eval.results`` reads a JSONL file with one line per eval example (documented in README.md, "Evaluation
results"): ``{"id": ..., "base": {"score": 0.61, "safety_failures": []}, "finetuned": {"score": 0.78,
"safety_failures": ["CQ8"]}}``, each side optionally naming the ``rubric`` fingerprint and ``judges`` it was
judged with. It decides with ftspec.data.ship, the rule `ftspec run evaluate` uses.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from ftspec.errors import Location, SpecError, SpecErrors
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.datasets import track
from ftspec.gates.registry import gate
from ftspec.results import Finding

SOURCE = "methodology.md section 4 (evaluate: ship when gain >= 0.10, p < 0.05 paired t-test, no safety regression)"
SIDES = ("base", "finetuned")
RESULTS_LIMIT = 64 << 20  # one line per eval example: far below this
SHIP_CLAIM = re.compile(
    r"\*\*\s*decision\s*:\s*ship\s*\*\*|\b(?:decision|verdict|recommendation|conclusion)\s*[:=]\s*[*_`]*\s*"
    r"(?:ship|ready to ship|deploy)\b|\bready to (?:ship|deploy)\b|\bwe (?:ship|will ship|can ship)\b",
    re.IGNORECASE,
)
NEGATED = re.compile(r"\b(?:not|n['’]t|no)\b[^.\n]{0,20}\bship|\bdo not ship\b", re.IGNORECASE)


def rows(ctx: GateContext, rel: str) -> Iterator[tuple[int, Any]]:
    """(line, parsed JSON or the parse error) for every non-blank line of a project JSONL file."""
    path = ctx.project.root / rel
    track(ctx, path)
    if not path.is_file():
        raise NotApplicable(f"no {rel} (set its path in ftspec.yaml gates.{ctx.gate.id})")
    try:  # outside the project, a FIFO or device (a link to /dev/zero never ends), or too large: never read
        body = ctx.read_text(rel, ("gates", ctx.gate.id), limit=RESULTS_LIMIT)
    except SpecError as refused:
        raise SpecErrors([refused]) from None
    except OSError as exc:
        raise SpecErrors([SpecError(Location(rel, 1, 1), f"{rel}: {exc}",
                                    "make it a regular file inside the project")]) from None
    for number, text in enumerate(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if text.strip():  # numbered as a text-mode file numbers them (not str.splitlines: \x0c is no line end)
            try:
                yield number, json.loads(text)
            except ValueError as exc:
                yield number, exc


@gate(
    "eval.results",
    phase="training",
    needs=("training",),
    results="eval-results.jsonl",
    reports=["README.md", "evaluation-report.md"],
    min_gain=None,
    alpha=None,
    source=SOURCE,
)
def results(ctx: GateContext) -> Iterator[Finding]:
    """Per-example base and fine-tuned results pass the ship rule before any report claims "ship"."""
    from ftspec.data.ship import decide

    rel = str(ctx.params["results"])
    paired, found, sides = _read_results(ctx, rel)
    yield from found
    if found:
        return
    if not paired:
        raise NotApplicable(f"{rel} holds no results")
    yield from _same_judging(rel, sides)
    settings = ctx.project.manifest.pipeline.eval
    min_gain = float(ctx.params["min_gain"] if ctx.params.get("min_gain") is not None else settings.min_gain)
    alpha = float(ctx.params["alpha"] if ctx.params.get("alpha") is not None else settings.alpha)
    decision = decide(paired, min_gain, alpha)
    if decision["ship"]:
        return
    why = "; ".join(map(str, decision["reasons"]))  # type: ignore[call-overload]
    claims = list(_ship_claims(ctx, [str(r) for r in ctx.params.get("reports") or ()]))
    for where, text in claims:
        yield Finding(where, f"claims '{text}' but the ship rule says do not ship ({why}; {rel})",
                      "report the decision the rule gives (do not ship), or improve the model and re-evaluate")
    if not claims:
        yield Finding(Location(rel, 1), f"the ship rule says do not ship: {why}",
                      "keep the base model, or improve the fine-tune and re-evaluate", severity="warning")


def _read_results(ctx: GateContext, rel: str) -> tuple[list[Any], list[Finding], dict[str, dict[str, Any]]]:
    from ftspec.data.ship import Paired

    paired: list[Paired] = []
    found: list[Finding] = []
    sides: dict[str, dict[str, Any]] = {"rubric": {}, "judges": {}}  # value seen -> first line, per side
    seen: dict[str, int] = {}
    for line, row in rows(ctx, rel):
        problem = _problem(row)
        if problem:
            found.append(Finding(Location(rel, line), *problem))
            continue
        rid = str(row["id"])
        if rid in seen:
            found.append(Finding(Location(rel, line), f"example '{rid}' repeats line {seen[rid]}",
                                 "keep one result per example and side"))
            continue
        seen[rid] = line
        base, tuned = row["base"], row["finetuned"]
        for key in ("rubric", "judges"):
            for side in SIDES:
                value = json.dumps(row[side].get(key, row.get(key)), sort_keys=True)
                sides[key].setdefault(f"{side}\0{value}", line)
        paired.append(Paired(rid, float(base["score"]), float(tuned["score"]),
                             tuple(base.get("safety_failures") or ()), tuple(tuned.get("safety_failures") or ())))
    return paired, found, sides


_FORMAT_FIX = ('write one object per line: {"id": ..., "base": {"score": 0.6, "safety_failures": []}, '
               '"finetuned": {"score": 0.8, "safety_failures": []}}')


def _problem(row: Any) -> tuple[str, str] | None:
    """What is wrong with one line of the results, and what to do about it."""
    if isinstance(row, ValueError):
        return f"invalid JSON ({row})", _FORMAT_FIX
    if not isinstance(row, dict) or "id" not in row:
        return "not an object with an 'id'", _FORMAT_FIX
    for side in SIDES:
        result = row.get(side)
        if not isinstance(result, dict):
            return f"example '{row['id']}' has no {side} result (both models must answer the same examples)", \
                _FORMAT_FIX
        score = result.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float):
            return f"example '{row['id']}': {side}.score is {score!r}, not a number", _FORMAT_FIX
        if not math.isfinite(score):  # JSON's NaN and Infinity: an example that was never scored
            return (f"example '{row['id']}': {side}.score is {score}, not a finite number",
                    "score the example again (a judge that failed gives no score), or drop its line")
        if not isinstance(result.get("safety_failures", []), list):
            return f"example '{row['id']}': {side}.safety_failures is not a list of criterion ids", _FORMAT_FIX
    return None


def _same_judging(rel: str, sides: dict[str, dict[str, Any]]) -> Iterator[Finding]:
    """Both models judged with one rubric and one set of judges, the same on every line."""
    for key, seen in sides.items():
        values = {v.split("\0", 1)[1]: line for v, line in seen.items()}
        if len(values) > 1:
            (first, _), (other, line) = sorted(values.items(), key=lambda kv: kv[1])[:2]
            yield Finding(Location(rel, line), f"{key} {other} differs from {first} (line {values[first]})",
                          f"judge both models' results with the same {key} and re-evaluate")


def _ship_claims(ctx: GateContext, reports: list[str]) -> Iterator[tuple[Location, str]]:
    for rel in reports:
        path = ctx.project.root / rel
        track(ctx, path)
        try:  # a report that is not a regular file inside the project is not read (a link to /dev/zero)
            if not path.is_file():
                continue
            body = ctx.read_text(rel, ("gates", ctx.gate.id))
        except (SpecError, OSError):
            continue
        for number, text in enumerate(body.splitlines(), start=1):
            m = SHIP_CLAIM.search(text)
            if m and not NEGATED.search(text):
                yield Location(rel, number, m.start() + 1), m.group(0).strip()


@gate(
    "eval.assessment-freshness",
    phase="training",
    needs=("rubric",),
    assessments="data/assessments.jsonl",
    conversations="data/conversations.jsonl",
    source="methodology.md section 4 (assess: one verdict per criterion whose min_turns the transcript "
    "reaches); section 5 (assessments stale against their transcripts)",
)
def assessment_freshness(ctx: GateContext) -> Iterator[Finding]:
    """Every assessment was judged with the current rubric and answers every criterion its transcript reaches."""
    rubric = ctx.value("rubric")
    rel = str(ctx.params["assessments"])
    records = list(rows(ctx, rel))
    # Imported only when there are assessments: the pipeline's helpers load the training model, which a check
    # that reruns the rubric gates should not build.
    from ftspec.pipeline.common import fingerprint, judging_fingerprint

    transcripts = _transcripts(ctx, str(ctx.params["conversations"]))
    rubric_fp = fingerprint(rubric.model_dump())
    judges = ctx.project.manifest.backends.judges if ctx.project.manifest.backends else []
    run_fp = judging_fingerprint(rubric, list(judges))
    for line, row in records:
        at = Location(rel, line)
        if not isinstance(row, dict) or not isinstance(row.get("verdicts"), dict):
            yield Finding(at, "not an assessment record (no 'verdicts' object)", "rerun `ftspec run assess`")
            continue
        messages = row.get("messages") or transcripts.get(str(row.get("id")))
        yield from _stale(at, row, messages, rubric_fp, run_fp)
        if isinstance(messages, list):
            yield from _missing(at, rubric, row, messages)


def _transcripts(ctx: GateContext, rel: str) -> dict[str, Any]:
    path = ctx.project.root / rel
    track(ctx, path)
    if not path.is_file():
        return {}
    return {str(r["id"]): r.get("messages") for _, r in rows(ctx, rel) if isinstance(r, dict) and "id" in r}


def _stale(at: Location, row: dict[str, Any], messages: Any, rubric_fp: str, run_fp: str) -> Iterator[Finding]:
    from ftspec.pipeline.common import fingerprint

    fix = "re-judge it with the current rubric (`ftspec run assess` drops and redoes stale records)"
    if "rubric" in row and row["rubric"] != rubric_fp:
        yield Finding(at, f"'{row.get('id')}' was judged with rubric {row['rubric']}, not the current {rubric_fp}",
                      fix)
    elif "rubric" not in row and "fingerprint" in row and messages is not None \
            and row["fingerprint"] != fingerprint(run_fp, messages):
        yield Finding(at, f"'{row.get('id')}' was judged with another rubric, other judges or an older "
                              "transcript (its fingerprint does not match)", fix)


def _missing(at: Location, rubric: Any, row: dict[str, Any], messages: list[Any]) -> Iterator[Finding]:
    from ftspec.pipeline.judging import applicable

    try:
        due = applicable(rubric, [m for m in messages if isinstance(m, dict)])
    except KeyError:
        return
    verdicts = row["verdicts"]
    missing = [cid for cid in due if cid not in verdicts]
    unknown = sorted(cid for cid in verdicts if cid not in rubric.criteria)
    exchanges = sum(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)
    if missing:
        yield Finding(at, f"'{row.get('id')}' answers {len(verdicts)} criteria, but {len(due)} apply to its "
                          f"{exchanges}-exchange transcript (missing {', '.join(missing)})",
                      "re-judge it: every criterion whose min_turns the transcript reaches needs a verdict")
    if unknown:
        yield Finding(at, f"'{row.get('id')}' has verdicts for {', '.join(unknown)}, which the rubric no longer "
                          "has (judged with another rubric)", "re-judge it with the current rubric")



