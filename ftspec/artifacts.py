"""The registry of spec artifacts: where each lives, how it is read and which model validates it."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ftspec.models.manifest import Manifest

Kind = Literal["yaml", "frontmatter", "markdown"]


@dataclass(frozen=True)
class ArtifactSpec:
    """One artifact: fixture name, manifest `paths` field, file kind, model, and when it is required.

    The model is named ("module:Class" in ftspec.models) and imported on first use: building pydantic models
    is most of what a check costs, and a check that reads one artifact needs one model."""

    name: str
    path_field: str
    kind: Kind
    model_ref: str | None
    description: str
    required: Callable[[Manifest], bool] = lambda manifest: True

    @property
    def model(self) -> type[BaseModel] | None:
        return resolve_model(self.model_ref) if self.model_ref else None


@functools.cache
def resolve_model(ref: str) -> type[BaseModel]:
    """The model class a "module:Class" reference (a module of ftspec.models) names."""
    module, _, name = ref.partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(f"ftspec.models.{module}"), name)
    return model


def _training_required(manifest: Manifest) -> bool:
    """Artifacts that exist only to produce or run training: a rag-only project has no training step."""
    return manifest.architecture != "rag-only"


def _never(manifest: Manifest) -> bool:
    """Required by the workflow gates when the sidecar's steps call for it, not by the schema gate."""
    return False


ARTIFACTS: dict[str, ArtifactSpec] = {
    spec.name: spec
    for spec in (
        ArtifactSpec("model_choice", "model_choice", "frontmatter", "model_choice:ModelChoice",
                     "model choice with tradeoffs"),
        ArtifactSpec("taxonomy", "taxonomy", "yaml", "taxonomy:InputTaxonomy", "input taxonomy", _training_required),
        ArtifactSpec("rubric", "rubric", "yaml", "rubric:Rubric", "rubric"),
        ArtifactSpec("personas", "personas", "yaml", "persona:PersonaTemplate", "persona template", _training_required),
        ArtifactSpec("system_prompt", "system_prompt", "markdown", None, "system prompt"),
        ArtifactSpec("user_sim_prompt", "user_sim_prompt", "markdown", None, "user-simulator prompt",
                     _training_required),
        ArtifactSpec("assistant_prompt", "assistant_prompt", "markdown", None, "assistant prompt", _training_required),
        ArtifactSpec("base_eval", "base_eval", "frontmatter", "base_eval:BaseEval", "base-model eval results"),
        ArtifactSpec("sidecar", "sidecar", "yaml", "sidecar:Sidecar", "workflow sidecar", _never),
        ArtifactSpec("training", "training", "yaml", "training:Training", "training configuration", _training_required),
        ArtifactSpec("training_spec", "training_spec", "markdown", None, "training spec (or its SKIPPED record)",
                     _never),
        ArtifactSpec("decision_log", "decision_log", "markdown", None, "decision log", _never),
    )
}

MANIFEST_MODEL = "manifest:Manifest"
SCHEMA_NAMES: tuple[str, ...] = ("manifest", *(name for name, spec in ARTIFACTS.items() if spec.model_ref))
"""Every artifact with a JSON Schema, the manifest first."""


def schema_model(name: str) -> type[BaseModel]:
    """The model of one of SCHEMA_NAMES."""
    ref = MANIFEST_MODEL if name == "manifest" else ARTIFACTS[name].model_ref
    if ref is None:
        raise KeyError(name)
    return resolve_model(ref)
