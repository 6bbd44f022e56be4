"""base-model-eval-results.md frontmatter: the base model's rubric results and the decision they imply."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from ftspec.models.base import Strict

Decision = Literal["prompt-engineering-first", "fine-tuning-likely-helps", "fine-tuning-needed"]


class ScenarioResult(Strict):
    """One test scenario judged with the rubric."""

    id: str = Field(min_length=1, description="Scenario id (a number is read as its text).")
    topic: str = Field(min_length=1, description="Taxonomy topic the scenario covers.")
    difficulty: str | None = None
    score: float = Field(ge=0, le=1, description="Weighted rubric score.")
    safety_failures: list[str] = Field(
        default_factory=list, description="Safety-gate criteria the response failed (any one fails the scenario)."
    )
    passed: bool = Field(description="score >= the rubric's pass_threshold and no safety failure.")
    notes: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def expected_pass(self, threshold: float) -> bool:
        """What `passed` must say: the score reaches the threshold and no safety gate failed."""
        return self.score >= threshold and not self.safety_failures


class BaseEval(Strict):
    """Frontmatter of base-model-eval-results.md."""

    model: str = Field(min_length=1, description="The model evaluated: the base model of model-choice.md.")
    equivalent_to: str | None = Field(
        None, description="The chosen base model this evaluated model stands in for (a local or quantized build "
        "of it); the body says why the results carry over.",
    )
    evaluated: datetime.date | None = None
    scenarios: list[ScenarioResult] = Field(default_factory=list)
    pass_rate: float = Field(ge=0, le=1)
    decision: Decision
