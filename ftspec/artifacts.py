"""The registry of spec artifacts: where each lives, how it is read and which model validates it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from ftspec.models.base_eval import BaseEval
from ftspec.models.manifest import Manifest
from ftspec.models.model_choice import ModelChoice
from ftspec.models.persona import PersonaTemplate
from ftspec.models.rubric import Rubric
from ftspec.models.sidecar import Sidecar
from ftspec.models.taxonomy import InputTaxonomy
from ftspec.models.training import Training

Kind = Literal["yaml", "frontmatter", "markdown"]


@dataclass(frozen=True)
class ArtifactSpec:
    """One artifact: fixture name, manifest `paths` field, file kind, model, and when it is required."""

    name: str
    path_field: str
    kind: Kind
    model: type[BaseModel] | None
    description: str
    required: Callable[[Manifest], bool] = lambda manifest: True


def _training_required(manifest: Manifest) -> bool:
    return manifest.architecture != "rag-only"


ARTIFACTS: dict[str, ArtifactSpec] = {
    spec.name: spec
    for spec in (
        ArtifactSpec("model_choice", "model_choice", "frontmatter", ModelChoice, "model choice with tradeoffs"),
        ArtifactSpec("taxonomy", "taxonomy", "yaml", InputTaxonomy, "input taxonomy"),
        ArtifactSpec("rubric", "rubric", "yaml", Rubric, "rubric"),
        ArtifactSpec("personas", "personas", "yaml", PersonaTemplate, "persona template"),
        ArtifactSpec("system_prompt", "system_prompt", "markdown", None, "system prompt"),
        ArtifactSpec("user_sim_prompt", "user_sim_prompt", "markdown", None, "user-simulator prompt"),
        ArtifactSpec("assistant_prompt", "assistant_prompt", "markdown", None, "assistant prompt"),
        ArtifactSpec("base_eval", "base_eval", "frontmatter", BaseEval, "base-model eval results"),
        ArtifactSpec("training", "training", "yaml", Training, "training config", _training_required),
        ArtifactSpec("sidecar", "sidecar", "yaml", Sidecar, "workflow sidecar", lambda m: False),
    )
}

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "manifest": Manifest,
    **{name: spec.model for name, spec in ARTIFACTS.items() if spec.model is not None},
}
