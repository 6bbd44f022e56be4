"""Where each gate's rule is explained: the section of docs/methodology.md, shipped with ftspec.

One mapping from gate id (or gate family) to section keeps the gate modules' `source=` strings as they are;
tests/test_method.py proves that every registered gate has a section and that each section exists.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DOC_NAME = "methodology.md"

SECTIONS: dict[int, str] = {
    1: "Schemas and portable YAML",
    2: "Model choice and token budget",
    3: "Input taxonomy",
    4: "Rubric",
    5: "Persona template",
    6: "Prompts",
    7: "Base-model evaluation",
    8: "The training configuration",
    9: "Training data",
    10: "Workflow state, stories and decisions",
    11: "One source of truth per fact",
    12: "Adopting an existing project",
    13: "Evaluating the fine-tuned model",
}

# Exact gate ids first, then families (the part before the first dot); schema gates by suffix.
BY_ID: dict[str, int] = {
    "yaml.portability": 1,
    "tokens.budget": 2, "training.base-model": 2, "training.max-length": 2,
    "training-spec.drift": 11, "rubric.drift": 11, "prompts.persona-drift": 11,
}
BY_FAMILY: dict[str, int] = {
    "manifest": 1, "model-choice": 2, "tokens": 2, "taxonomy": 3, "rubric": 4, "personas": 5, "prompts": 6,
    "base-eval": 7, "training": 8, "data": 9, "workflow": 10, "stories": 10, "decisions": 10, "sidecar": 10,
    "eval": 13,
}


def section_of(gate_id: str) -> int | None:
    """The section number of docs/methodology.md that explains a gate's rule."""
    if gate_id in BY_ID:
        return BY_ID[gate_id]
    if gate_id.endswith(".schema"):
        return 1
    return BY_FAMILY.get(gate_id.split(".", 1)[0])


def citation(gate_id: str) -> str:
    """`docs/methodology.md section 4 (Rubric)`, or '' for a gate without a section."""
    number = section_of(gate_id)
    return f"docs/{DOC_NAME} section {number} ({SECTIONS[number]})" if number else ""


def doc_path() -> Path | None:
    """The methodology page: docs/ in a checkout, ftspec/_docs in a wheel."""
    for candidate in (_PACKAGE.parent / "docs" / DOC_NAME, _PACKAGE / "_docs" / DOC_NAME):
        if candidate.is_file():
            return candidate
    return None
