"""The values of the fixtures ftspec gives a project's own gates, without pytest.

:mod:`ftspec.pytest_plugin` declares them as pytest fixtures; :mod:`ftspec.plain_gates` resolves them for a plain
gate function it runs without a pytest session. Both take the values from here, so the two can never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftspec.project import Project

# fixture name -> the artifact it is (the validated document)
ARTIFACTS = ("manifest", "rubric", "taxonomy", "personas", "model_choice", "base_eval", "sidecar", "training")
PROMPTS = ("system_prompt", "user_sim_prompt", "assistant_prompt")
PROJECT = "ftspec_project"
NAMES = frozenset({PROJECT, "prompts", *ARTIFACTS})


class ArtifactInvalid(Exception):
    """An artifact a gate asked for does not validate: the gate fails with its errors (one per line)."""


def artifact(project: Project, name: str) -> Any:
    """The validated artifact ``name`` of ``project``."""
    loaded = project.load(name)
    if loaded.errors:
        raise ArtifactInvalid("\n".join(e.render() for e in loaded.errors))
    return loaded.value


def prompts(project: Project) -> dict[str, str]:
    """The prompt bodies by name: system_prompt, user_sim_prompt, assistant_prompt."""
    return {name: artifact(project, name).body for name in PROMPTS}


def value(project: Project, name: str) -> Any:
    """The value of the fixture ``name`` (one of :data:`NAMES`) for a gate of ``project``."""
    if name == PROJECT:
        return project
    return prompts(project) if name == "prompts" else artifact(project, name)
