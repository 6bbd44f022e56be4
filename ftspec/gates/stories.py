"""Stories gates: each completed step leaves implementation stories with testable acceptance criteria."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.gates.workflow import TRAINING_STEP, completed
from ftspec.models.sidecar import Sidecar, Story
from ftspec.placeholders import is_stand_in
from ftspec.results import Finding

SOURCE = "methodology.md section 3: story ids <PREFIX>-S<NN> by step; section 2: 2-3+ acceptance criteria"
PREFIXES = {2: "ARCH", 3: "DATA", 4: "EMB", 5: "TRAIN", 6: "RAG", 7: "PROMPT", 8: "EVAL", 9: "OPS", 10: "INTEG"}
STEP_KEY = re.compile(r"^step_(\d+)")


def prefixes(ctx: GateContext) -> dict[int, str]:
    """Story id prefix per step number, as configured."""
    return {int(step): str(prefix).upper() for step, prefix in dict(ctx.params["prefixes"]).items()}


def key_step(key: str) -> int | None:
    """`step_5_training` -> 5."""
    match = STEP_KEY.match(key)
    return int(match[1]) if match else None


# Steps whose work an architecture does not have: no embeddings or retrieval in a fine-tuning-only project, no
# training in a rag-only one. Their stories are optional (a project may still record a seam for later).
NOT_APPLICABLE = {"fine-tuning": [4, 6], "rag-only": [TRAINING_STEP], "hybrid": []}


@gate("stories.per-step", phase="workflow", needs=("sidecar",), prefixes=PREFIXES, not_applicable=NOT_APPLICABLE,
      source=SOURCE + "; the steps the architecture runs")
def per_step(ctx: GateContext) -> Iterator[Finding]:
    """Every completed step the architecture runs that has a story prefix has stories."""
    sidecar: Sidecar = ctx.value("sidecar")
    with_stories = {key_step(key) for key, items in sidecar.stories.items() if items}
    skipped = {int(n) for n in dict(ctx.params["not_applicable"]).get(ctx.project.manifest.architecture, [])}
    for step in sorted(completed(sidecar)):
        prefix = prefixes(ctx).get(step)
        if prefix is None or step in with_stories or step in skipped:
            continue
        yield ctx.finding("sidecar", ["stories"] if sidecar.stories else ["stepsCompleted"],
                          f"step {step} is completed but has no stories", f"add stories.step_{step}_<name> with "
                          f"{prefix}-S01, {prefix}-S02, ...")


@gate("stories.fields", phase="workflow", needs=("sidecar",), prefixes=PREFIXES, min_acceptance_criteria=2,
      source=SOURCE)
def fields(ctx: GateContext) -> Iterator[Finding]:
    """Each story has a unique <PREFIX>-S<NN> id of its step, a title, a description and acceptance criteria."""
    sidecar: Sidecar = ctx.value("sidecar")
    seen: set[str] = set()
    for key, items in sidecar.stories.items():
        step = key_step(key)
        if step is None:
            yield ctx.finding("sidecar", ["stories", key], f"'{key}' does not name a step",
                              "name the list step_<n>_<name>, e.g. step_5_training")
        for idx, story in enumerate(items):
            path: list[str | int] = ["stories", key, idx]
            if isinstance(story, str):
                yield ctx.finding("sidecar", path, f"'{_cut(story)}' is a placeholder, not a story",
                                  "write the story: id, title, description, acceptance_criteria")
                continue
            yield from _story(ctx, path, story, prefixes(ctx).get(step) if step else None, seen)


def _story(
    ctx: GateContext, path: list[str | int], story: Story, prefix: str | None, seen: set[str]
) -> Iterator[Finding]:
    if prefix and not re.fullmatch(rf"{prefix}-S\d{{2}}", story.id, re.IGNORECASE):
        yield ctx.finding("sidecar", [*path, "id"], f"story id {story.id} does not fit its step",
                          f"use {prefix}-S<NN>, e.g. {prefix}-S01")
    if story.id.upper() in seen:
        yield ctx.finding("sidecar", [*path, "id"], f"story id {story.id} repeats", "make story ids unique")
    seen.add(story.id.upper())
    for key in ("title", "description"):
        text = getattr(story, key)
        if not text.strip() or is_stand_in(text):
            yield ctx.finding("sidecar", [*path, key], f"{story.id} has no {key}", f"write the {key}")
    yield from _criteria(ctx, path, story)


def _criteria(ctx: GateContext, path: list[str | int], story: Story) -> Iterator[Finding]:
    real = [c for c in story.acceptance_criteria if c.strip() and not is_stand_in(c)]
    wanted = int(ctx.params["min_acceptance_criteria"])
    if len(real) < wanted:
        where = [*path, "acceptance_criteria"] if story.acceptance_criteria else path
        yield ctx.finding("sidecar", where, f"{story.id} has {len(real)} acceptance criteria, need {wanted}",
                          "add checkable criteria: what must be true when the story is done")


def _cut(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 50 else text[:47] + "..."
