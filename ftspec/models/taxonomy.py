"""The input taxonomy: what users ask about (topics) and how (flat weighted dimensions)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ftspec.models.base import Strict


class Subtopic(Strict):
    """A weighted subtopic."""

    name: str
    weight: float | None = None
    description: str = ""


class Topic(Strict):
    """A topic (the WHAT dimension) with its share of the generated inputs."""

    name: str = Field(min_length=1)
    weight: float = Field(ge=0, le=1)
    subtopics: list[str | Subtopic] = Field(default_factory=list)
    edge_case: bool = Field(False, description="Counts toward the edge-case share (so does a name with 'edge').")
    description: str = ""

    @property
    def is_edge_case(self) -> bool:
        return self.edge_case or "edge" in self.name.lower()


class Taxonomy(Strict):
    """`taxonomy:` topics plus any number of flat `option: weight` dimensions (styles, difficulty, ...)."""

    topics: list[Topic] = Field(min_length=1)
    dimensions: dict[str, dict[str, float]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def gather_dimensions(cls, value: Any) -> Any:
        if not isinstance(value, dict) or "dimensions" in value:
            return value
        rest = {k: v for k, v in value.items() if k != "topics"}
        return {"topics": value.get("topics"), "dimensions": rest} if "topics" in value else value


class TurnRange(Strict):
    """Turns per conversation for a length category."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def check_order(self) -> TurnRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}. swap them")
        return self


class InputTaxonomy(Strict):
    """config/input-taxonomy.yaml."""

    taxonomy: Taxonomy
    turn_ranges: dict[str, TurnRange] = Field(default_factory=dict)
