"""sidecar.yaml: the AI-engineering workflow's state (steps, phases, decisions, stories)."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field

from ftspec.models.base import Strict


class SidecarDecision(Strict):
    """A decision as the workflow records it."""

    id: str = Field(min_length=1)
    step: int | str
    choice: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    title: str | None = None
    supersedes: str | None = None


class Story(Strict):
    """An implementation story with acceptance criteria."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    acceptance_criteria: list[str] = Field(default_factory=list)
    status: str | None = None


class Sidecar(Strict):
    """sidecar.yaml."""

    project_name: str = Field(min_length=1)
    architecture: Literal["rag-only", "fine-tuning", "hybrid"]
    currentStep: int | str
    stepsCompleted: list[int | str] = Field(default_factory=list)
    phases: dict[str, str] = Field(default_factory=dict)
    decisions: list[SidecarDecision] = Field(default_factory=list)
    stories: dict[str, list[Story | str]] = Field(default_factory=dict)
    created: datetime.date | str | None = None
    lastUpdated: datetime.date | str | None = None
