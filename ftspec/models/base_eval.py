"""base-model-eval-results.md frontmatter: the base model's rubric results and the decision they imply."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field

from ftspec.models.base import Strict

Decision = Literal["prompt-engineering-first", "fine-tuning-likely-helps", "fine-tuning-needed"]


class ScenarioResult(Strict):
    """One test scenario judged with the rubric."""

    id: str = Field(min_length=1)
    topic: str = Field(min_length=1, description="Taxonomy topic the scenario covers.")
    difficulty: str | None = None
    score: float = Field(ge=0, le=1, description="Weighted rubric score.")
    passed: bool
    notes: str = ""


class BaseEval(Strict):
    """Frontmatter of base-model-eval-results.md."""

    model: str = Field(min_length=1)
    evaluated: datetime.date | None = None
    scenarios: list[ScenarioResult] = Field(default_factory=list)
    pass_rate: float = Field(ge=0, le=1)
    decision: Decision
