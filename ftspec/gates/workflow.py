"""Workflow gates over sidecar.yaml: architecture, step bookkeeping, and what step 5 leaves behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftspec.errors import Location
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.mdfields import field_value, stated_fields
from ftspec.gates.registry import gate
from ftspec.loader import MarkdownDoc
from ftspec.models.sidecar import Sidecar
from ftspec.placeholders import is_stand_in
from ftspec.results import Finding

SOURCE = "methodology.md section 3 (sidecar.yaml, decision-log.md)"
STEP_SOURCE = "methodology.md section 2; ai-engineering-workflow step 5 (skip handling, outputs)"
TRAINING_STEP = 5
STEP_ID = re.compile(r"^(\d+)([a-z]?)$", re.IGNORECASE)


def step_number(step: int | str) -> int | None:
    """The step a step id belongs to: 5 -> 5, "2a" -> 2; None when it is not a step id."""
    if isinstance(step, int):
        return step if step > 0 else None
    match = STEP_ID.match(step.strip())
    return int(match[1]) if match else None


def completed(sidecar: Sidecar) -> set[int]:
    """The step numbers in stepsCompleted."""
    return {n for n in map(step_number, sidecar.stepsCompleted) if n is not None}


def logged_decision_ids(doc: MarkdownDoc) -> dict[str, int]:
    """Decision ids (upper-cased) of the decision log's `## ID: Title` headings, with their lines."""
    from ftspec.decisions import parse_log

    found: dict[str, int] = {}
    for entry in parse_log(doc.text):
        found.setdefault(entry.key, entry.line)
    return found


def is_skip_record(doc: MarkdownDoc) -> bool:
    """training-spec.md says `**Status:** SKIPPED`."""
    status = field_value(stated_fields(doc.body, doc.body_line), "status")
    return status is not None and status.value.strip().upper().startswith("SKIPPED")


def _architecture(ctx: GateContext) -> str:
    return ctx.project.manifest.architecture


@gate("workflow.architecture", phase="workflow", needs=("sidecar",), source=SOURCE)
def architecture(ctx: GateContext) -> Iterator[Finding]:
    """The sidecar's architecture is the one ftspec.yaml declares."""
    sidecar: Sidecar = ctx.value("sidecar")
    if sidecar.architecture != _architecture(ctx):
        yield ctx.finding("sidecar", ["architecture"], f"architecture {sidecar.architecture} but ftspec.yaml says "
                          f"{_architecture(ctx)}", "make sidecar.yaml and ftspec.yaml agree")


@gate("workflow.current-step", phase="workflow", needs=("sidecar",), source=SOURCE)
def current_step(ctx: GateContext) -> Iterator[Finding]:
    """stepsCompleted holds unique step ids without gaps, and currentStep is the last of them or the next."""
    sidecar: Sidecar = ctx.value("sidecar")
    seen: set[str] = set()
    for idx, step in enumerate(sidecar.stepsCompleted):
        if step_number(step) is None:
            yield ctx.finding("sidecar", ["stepsCompleted", idx], f"'{step}' is not a step id",
                              "write a step number like 5 or a sub-step like \"2a\"")
        elif str(step).lower() in seen:
            yield ctx.finding("sidecar", ["stepsCompleted", idx], f"step {step} is listed twice", "remove one")
        seen.add(str(step).lower())
    done = completed(sidecar)
    for missing in sorted(set(range(1, max(done, default=0))) - done):
        yield ctx.finding("sidecar", ["stepsCompleted"], f"step {missing} is missing though later steps are done",
                          f"add {missing} (a skipped step is still listed)", "warning")
    yield from _current(ctx, sidecar, max(done, default=0))


def _current(ctx: GateContext, sidecar: Sidecar, last: int) -> Iterator[Finding]:
    current = step_number(sidecar.currentStep)
    if current is None:
        yield ctx.finding("sidecar", ["currentStep"], f"'{sidecar.currentStep}' is not a step id",
                          "write a step number like 6")
    elif current < last:
        yield ctx.finding("sidecar", ["currentStep"], f"currentStep {sidecar.currentStep} is behind stepsCompleted "
                          f"(up to {last})", f"set currentStep: {last + 1}")
    elif current > last + 1:
        yield ctx.finding("sidecar", ["currentStep"], f"currentStep {sidecar.currentStep} but step {last + 1} is "
                          "not in stepsCompleted", f"complete step {last + 1} or set currentStep: {last + 1}")


def _step_done(sidecar: Sidecar, step: int) -> bool:
    return step in completed(sidecar)


def _training_stories(sidecar: Sidecar) -> Iterator[tuple[str, int, Any]]:
    for key, stories in sidecar.stories.items():
        for idx, story in enumerate(stories):
            story_id = story if isinstance(story, str) else story.id
            if key.startswith(f"step_{TRAINING_STEP}_") or story_id.upper().startswith("TRAIN-"):
                yield key, idx, story


@gate("workflow.rag-only-skip", phase="workflow", needs=("sidecar", "training_spec"), source=STEP_SOURCE)
def rag_only_skip(ctx: GateContext) -> Iterator[Finding]:
    """A rag-only project skips step 5 properly: a SKIPPED record with a reason, phase skipped, no TRAIN stories."""
    if _architecture(ctx) != "rag-only":
        raise NotApplicable(f"architecture is {_architecture(ctx)}: step 5 runs")
    sidecar: Sidecar = ctx.value("sidecar")
    if not _step_done(sidecar, TRAINING_STEP):
        raise NotApplicable("step 5 is not completed yet")
    yield from _skip_record(ctx)
    phase = sidecar.phases.get("phase_2_training")
    if phase != "skipped":
        yield ctx.finding("sidecar", ["phases", "phase_2_training"] if phase else ["phases"],
                          f"phases.phase_2_training is {phase or 'missing'}", "set phases.phase_2_training: skipped")
    for key, idx, _story in _training_stories(sidecar):
        yield ctx.finding("sidecar", ["stories", key, idx], "a rag-only project has no TRAIN stories",
                          "remove the training stories")


def _skip_record(ctx: GateContext) -> Iterator[Finding]:
    loaded = ctx.project.load("training_spec")
    if loaded.missing:
        yield ctx.finding("sidecar", ["stepsCompleted"], f"step 5 is completed but {loaded.rel} (its skip record) "
                          "is missing", f"write {loaded.rel} with **Status:** SKIPPED and **Reason:** why")
        return
    yield from (Finding.from_error(e) for e in loaded.errors)
    doc = loaded.doc
    if not isinstance(doc, MarkdownDoc):
        return
    fields = stated_fields(doc.body, doc.body_line)
    if not is_skip_record(doc):
        yield Finding(Location(loaded.rel, doc.body_line), "not a skip record", "add the line **Status:** SKIPPED")
    reason = field_value(fields, "reason")
    if reason is None or not reason.value.strip() or is_stand_in(reason.value):
        yield Finding(Location(loaded.rel, reason.line if reason else doc.body_line), "the skip record gives no "
                      "reason", "add **Reason:** why step 5 is skipped (e.g. RAG-only architecture chosen in step 2)")


@gate("workflow.training-outputs", phase="workflow", needs=("sidecar", "training_spec", "decision_log"),
      decisions=["TRAIN-001", "TRAIN-002", "TRAIN-003"],
      sections=["Base Model", "Training Approach", "Training Data", "PEFT", "Hyperparameters", "Infrastructure"],
      source=STEP_SOURCE)
def training_outputs(ctx: GateContext) -> Iterator[Finding]:
    """After step 5: the training spec with its sections, config/training.yaml and TRAIN-001..003 exist."""
    if _architecture(ctx) == "rag-only":
        raise NotApplicable("rag-only project: step 5 is skipped")
    sidecar: Sidecar = ctx.value("sidecar")
    if not _step_done(sidecar, TRAINING_STEP):
        raise NotApplicable("step 5 is not completed yet")
    yield from _training_spec_written(ctx)
    if not ctx.project.exists("training"):
        yield ctx.finding("sidecar", ["stepsCompleted"], f"step 5 is completed but {ctx.project.rel('training')} "
                          "is missing", "write it (see `ftspec schema training`)")
    if sidecar.phases.get("phase_2_training") == "skipped":
        yield ctx.finding("sidecar", ["phases", "phase_2_training"], "phase_2_training is skipped in a "
                          f"{_architecture(ctx)} project", "set it to designed (or the phase's real status)")
    yield from _decisions(ctx, sidecar, [str(d).upper() for d in ctx.params["decisions"]])


def _training_spec_written(ctx: GateContext) -> Iterator[Finding]:
    loaded = ctx.project.load("training_spec")
    if loaded.missing:
        yield ctx.finding("sidecar", ["stepsCompleted"], f"step 5 is completed but {loaded.rel} is missing",
                          "write the training spec: base model, approach, data, PEFT, hyperparameters")
        return
    yield from (Finding.from_error(e) for e in loaded.errors)
    if not isinstance(loaded.doc, MarkdownDoc):
        return
    if is_skip_record(loaded.doc):
        yield Finding(Location(loaded.rel, loaded.doc.body_line), f"a skip record in a {_architecture(ctx)} "
                      "project", "write the training spec: base model, approach, data, PEFT, hyperparameters")
        return
    titles = [title.lower() for _line, _level, title in loaded.doc.headings]
    for section in ctx.params["sections"]:
        if not any(str(section).lower() in title for title in titles):
            yield Finding(Location(loaded.rel, loaded.doc.body_line), f"no '{section}' section",
                          f"add a `## {section}` section (the step 5 template has it)")


def _decisions(ctx: GateContext, sidecar: Sidecar, wanted: list[str]) -> Iterator[Finding]:
    recorded = {d.id.upper() for d in sidecar.decisions}
    for decision_id in wanted:
        if decision_id not in recorded:
            yield ctx.finding("sidecar", ["decisions"], f"decision {decision_id} is not recorded",
                              f"run `ftspec decide {decision_id} ...` or add it to decisions")
    loaded = ctx.project.load("decision_log")
    if loaded.missing or not isinstance(loaded.doc, MarkdownDoc):
        yield ctx.finding("sidecar", ["decisions"], f"{loaded.rel} is missing", "write one entry per decision")
        return
    logged = logged_decision_ids(loaded.doc)
    for decision_id in wanted:
        if decision_id not in logged:
            yield Finding(Location(loaded.rel, 1), f"decision {decision_id} has no log entry",
                          f"add `## {decision_id}: Title` with **Decision:**, **Date:**, **Step:**, **Rationale:**")
