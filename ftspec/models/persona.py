"""The persona template: weighted persona dimensions, flaw patterns and per-style word limits."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ftspec.models.base import Strict


class Dimension(Strict):
    """A persona dimension: options and their weights, position by position."""

    options: list[str] = Field(min_length=1)
    weights: list[float] = Field(min_length=1)
    descriptions: dict[str, str] = Field(default_factory=dict)


class FlawPattern(Strict):
    """A behaviour pattern a simulated user shows in some messages."""

    name: str = Field(min_length=1)
    description: str = ""
    examples: list[str] = Field(default_factory=list)


class FlawPatterns(Strict):
    """How often personas show flaws; flaws vary per message, not per conversation."""

    no_flaw_share: float = Field(ge=0, le=1, description="Share of personas with no flaw pattern (~0.20).")
    primary_rate: float = Field(0.5, ge=0, le=1, description="Chance the primary flaw shows in a message (~0.5).")
    secondary_rate: float = Field(0.2, ge=0, le=1, description="Chance each secondary flaw shows (~0.2).")
    patterns: list[FlawPattern] = Field(min_length=1)


class PersonaBody(Strict):
    """`persona_template:` communication styles, flaw patterns and other dimensions."""

    communication_style: Dimension
    flaw_patterns: FlawPatterns
    dimensions: dict[str, Dimension] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def gather_dimensions(cls, value: Any) -> Any:
        if not isinstance(value, dict) or "dimensions" in value:
            return value
        fixed = ("communication_style", "flaw_patterns")
        out = {k: value[k] for k in fixed if k in value}
        out["dimensions"] = {k: v for k, v in value.items() if k not in fixed}
        return out


class WordLimit(Strict):
    """Words per user message for a communication style."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)


class PersonaTemplate(Strict):
    """config/persona-template.yaml."""

    persona_template: PersonaBody
    style_word_limits: dict[str, WordLimit] = Field(default_factory=dict)
