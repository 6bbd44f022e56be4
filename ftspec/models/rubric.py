"""The rubric: binary criteria in weighted categories, with calibration examples and safety gates.

Two encodings occur in practice and both are accepted: ``criteria`` / ``categories`` as mappings keyed by id
(the method's shape), or as lists of items carrying ``id`` / ``name``; calibration types may use ``_`` or a space.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ftspec.models.base import Strict

CalibrationType = Literal["PASS", "FAIL", "BORDERLINE_PASS", "BORDERLINE_FAIL", "NA"]


class CalibrationExample(Strict):
    """A worked judgment that calibrates the judge."""

    type: CalibrationType
    context: str = ""
    response: str = Field(min_length=1)
    reasoning: str = ""

    @field_validator("type", mode="before")
    @classmethod
    def normalise_type(cls, value: Any) -> Any:
        return "_".join(value.strip().upper().split()) if isinstance(value, str) else value


class Criterion(Strict):
    """A binary YES/NO(/NA) question about a response."""

    name: str = Field(min_length=1)
    question: str = Field(min_length=1)
    na_valid: bool = Field(False, description="NA is a valid answer (otherwise NA counts as NO).")
    min_turns: int = Field(1, ge=1, description="Only asked of transcripts with at least this many turns.")
    category: str | None = Field(None, description="Alternative to listing the criterion under a category.")
    subjective: bool = Field(False, description="Subjective criteria need borderline calibration examples.")
    description: str = ""
    calibration_examples: list[CalibrationExample] = Field(default_factory=list)


class Category(Strict):
    """A weighted group of criteria."""

    weight: float = Field(ge=0, le=1)
    criteria: list[str] = Field(default_factory=list)
    description: str = ""


def _keyed(value: Any, key: str) -> Any:
    """A list of items with an id/name key as a mapping keyed by it (the other encoding)."""
    if not isinstance(value, list) or not all(isinstance(i, dict) and key in i for i in value):
        return value
    return {item[key]: {k: v for k, v in item.items() if k != key} for item in value}


class Rubric(Strict):
    """config/rubric.yaml."""

    version: str | None = None
    categories: dict[str, Category] = Field(min_length=1)
    criteria: dict[str, Criterion] = Field(min_length=1)
    safety_gates: list[str] = Field(default_factory=list, description="Criteria whose failure auto-rejects.")
    pass_threshold: float = Field(0.80, description="Minimum weighted score to pass; in (0, 1].")
    na_scores: Literal["omit", "pass"] = Field(
        "omit", description="How a valid NA answer scores: omit (left out of its category) or pass (counts as YES)."
    )

    @model_validator(mode="before")
    @classmethod
    def accept_list_encoding(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = dict(value)
        if "criteria" in out:
            out["criteria"] = _keyed(out["criteria"], "id")
        if "categories" in out:
            out["categories"] = _keyed(out["categories"], "name")
        return out

    def category_of(self) -> dict[str, list[str]]:
        """criterion id -> every category that claims it (through the category or the criterion)."""
        owners: dict[str, list[str]] = {cid: [] for cid in self.criteria}
        for name, cat in self.categories.items():
            for cid in cat.criteria:
                owners.setdefault(cid, []).append(name)
        for cid, crit in self.criteria.items():
            if crit.category and crit.category not in owners[cid]:
                owners[cid].append(crit.category)
        return owners
