"""The project manifest, ftspec.yaml: project name, architecture, artifact paths and gate settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ftspec.models.base import Strict

Architecture = Literal["fine-tuning", "hybrid", "rag-only"]


class Paths(Strict):
    """Where each artifact lives, relative to the project root."""

    sidecar: str = "sidecar.yaml"
    decision_log: str = "decision-log.md"
    model_choice: str = "model-choice.md"
    base_eval: str = "base-model-eval-results.md"
    taxonomy: str = "config/input-taxonomy.yaml"
    rubric: str = "config/rubric.yaml"
    personas: str = "config/persona-template.yaml"
    system_prompt: str = "config/system-prompt.md"
    user_sim_prompt: str = "config/prompts/user_sim.md"
    assistant_prompt: str = "config/prompts/assistant.md"
    training: str = "config/training.yaml"
    training_spec: str = "phase-2-training/training-spec.md"
    gates: str = Field("gates", description="Folder of the project's own gates (test_*.py).")


class TokenBudget(Strict):
    """Token economics: the longest training example the project plans for."""

    max_tokens_per_example: int = Field(gt=0, description="Max tokens of one training example (transcript).")


class GeneratorSettings(Strict):
    """What the data generator provides to prompts."""

    extra_placeholders: list[str] = Field(
        default_factory=list, description="Placeholders a custom generator provides beyond the built-in ones."
    )


class CheckSettings(Strict):
    """How `ftspec check` runs pytest."""

    pytest_plugins: list[str] = Field(
        default_factory=list,
        description="pytest plugins the project's own gates need (ftspec check does not autoload plugins).",
    )


class Manifest(Strict):
    """ftspec.yaml: the project manifest."""

    project: str = Field(min_length=1, description="Project name.")
    description: str = ""
    architecture: Architecture = Field("fine-tuning", description="rag-only projects skip the training step.")
    paths: Paths = Field(default_factory=lambda: Paths())
    token_budget: TokenBudget | None = None
    generator: GeneratorSettings = Field(default_factory=lambda: GeneratorSettings())
    check: CheckSettings = Field(default_factory=lambda: CheckSettings())
    gates: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-gate settings: thresholds, `skip: reason`, `severity: error|warning`.",
    )
