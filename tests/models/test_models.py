"""Manifest, persona template, model choice, base-eval results and sidecar: worked example and errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from ftspec.artifacts import ARTIFACTS, SCHEMA_NAMES, schema_model
from ftspec.errors import SpecErrors
from ftspec.loader import parse_markdown, parse_yaml
from ftspec.models.base import Strict, field_vocabulary, validate
from ftspec.models.base_eval import BaseEval
from ftspec.models.manifest import Manifest
from ftspec.models.model_choice import ModelChoice
from ftspec.models.persona import PersonaTemplate
from ftspec.models.sidecar import Sidecar
from tests.conftest import WORKED


def frontmatter(rel: str):  # type: ignore[no-untyped-def]
    doc = parse_markdown((WORKED / rel).read_text(), rel).frontmatter
    assert doc is not None
    return doc


def test_manifest_of_the_worked_example() -> None:
    manifest = validate(Manifest, parse_yaml((WORKED / "ftspec.yaml").read_text(), "ftspec.yaml"))
    assert manifest.project == "career-coach" and manifest.architecture == "fine-tuning"
    assert manifest.paths.rubric == "config/rubric.yaml"
    assert manifest.token_budget is not None and manifest.token_budget.max_tokens_per_example == 8192
    assert manifest.gates["rubric.calibration-examples"] == {"min": 3, "max": 8}


def test_persona_template_gathers_dimensions() -> None:
    tpl = validate(
        PersonaTemplate, parse_yaml((WORKED / "config/persona-template.yaml").read_text(), "p.yaml")
    )
    assert set(tpl.persona_template.dimensions) == {"career_stage", "trajectory"}
    assert tpl.persona_template.flaw_patterns.no_flaw_share == 0.2
    assert tpl.style_word_limits["terse"].max == 80


def test_model_choice_frontmatter() -> None:
    choice = validate(ModelChoice, frontmatter("model-choice.md"))
    assert choice.context_window == 32768 and choice.instruction_tuned is True


def test_base_eval_frontmatter() -> None:
    result = validate(BaseEval, frontmatter("base-model-eval-results.md"))
    assert len(result.scenarios) == 12 and result.decision == "fine-tuning-needed"
    assert str(result.evaluated) == "2026-11-18"


SIDECAR = """\
project_name: p
architecture: hybrid
currentStep: 5
stepsCompleted: [1, 2, "2a", 3]
phases: {phase_2_training: skipped}
decisions:
  - {id: TRAIN-001, step: 5, choice: Qwen, rationale: fits}
stories:
  step_5_training:
    - {id: TRAIN-S01, title: Data, acceptance_criteria: [a, b]}
created: 2026-01-02
"""


def test_sidecar() -> None:
    sidecar = validate(Sidecar, parse_yaml(SIDECAR, "sidecar.yaml"))
    assert sidecar.stepsCompleted == [1, 2, "2a", 3]
    assert sidecar.decisions[0].id == "TRAIN-001"


def test_frontmatter_errors_carry_file_lines() -> None:
    text = (WORKED / "model-choice.md").read_text().replace("context_window: 32768", "context_window: 32k")
    doc = parse_markdown(text, "model-choice.md").frontmatter
    assert doc is not None
    with pytest.raises(SpecErrors) as exc:
        validate(ModelChoice, doc)
    [err] = exc.value.errors
    assert err.render() == (
        "model-choice.md:6:1: context_window: Input should be a valid integer, got '32k'. "
        "write a whole number without quotes"
    )


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (
            Manifest,
            "project: p\narchitecure: hybrid\n",
            "ftspec.yaml:2:1: architecure: unknown key 'architecure'. did you mean 'architecture'?",
        ),
        (
            Manifest,
            "project: p\npaths: {rubrik: r.yaml}\n",
            "ftspec.yaml:2:9: paths.rubrik: unknown key 'rubrik'. did you mean 'rubric'?",
        ),
        (
            Manifest,
            "project: p\ntoken_budget: {max_tokens_per_example: 0}\n",
            "ftspec.yaml:2:16: token_budget.max_tokens_per_example: Input should be greater than 0, got 0. "
            "change the value to fit the range",
        ),
        (
            Manifest,
            "project: p\narchitecture: rag\n",
            "ftspec.yaml:2:1: architecture: Input should be 'fine-tuning', "
            "'hybrid' or 'rag-only', got 'rag'. use one of the allowed values",
        ),
        (
            Manifest,
            "description: x\n",
            "ftspec.yaml:1:1: required key 'project' is missing. add `project:` here",
        ),
        (
            Manifest,
            "project: p\nlanguages: [en, english]\n",
            "ftspec.yaml:2:17: languages[1]: 'english' is not an ISO 639-1 language code. write 'en'",
        ),
        (
            Manifest,
            "project: p\nlanguages: [pt_BR]\n",
            "languages[0]: 'pt_BR' is not an ISO 639-1 language code. write 'pt' (data.language tells languages "
            "apart, not regions or scripts)",
        ),
        (
            Manifest,
            "project: p\nlanguages: [xx]\n",
            "languages[0]: 'xx' is not an ISO 639-1 language code. write the language's two-letter code",
        ),
        (Sidecar, SIDECAR.replace("currentStep: 5", "currentstep: 5"), "did you mean 'currentStep'?"),
        (
            PersonaTemplate,
            "persona_template:\n  communication_style: {options: [a], weights: [1]}\n"
            "  flaw_patterns: {no_flaw_share: 0.2, patterns: [{name: x}], primary: 0.5}\n",
            "persona_template.flaw_patterns.primary: unknown key 'primary'. did you mean 'primary_rate'?",
        ),
    ],
)
def test_located_errors(model: type[BaseModel], text: str, expected: str) -> None:
    with pytest.raises(SpecErrors) as exc:
        validate(model, parse_yaml(text, "ftspec.yaml"))
    assert expected in "\n".join(e.render() for e in exc.value.errors)


def test_every_model_is_strict_and_forbids_extra_keys() -> None:
    seen: set[type[BaseModel]] = set()

    def visit(cls: type[BaseModel]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        assert issubclass(cls, Strict), cls
        assert cls.model_config.get("extra") == "forbid", cls
        for info in cls.model_fields.values():
            for arg in [info.annotation, *getattr(info.annotation, "__args__", ())]:
                for sub in [arg, *getattr(arg, "__args__", ())]:
                    if isinstance(sub, type) and issubclass(sub, BaseModel):
                        visit(sub)

    for name in SCHEMA_NAMES:
        visit(schema_model(name))
    assert len(seen) > 10


def test_vocabulary_covers_nested_models() -> None:
    vocab = field_vocabulary(PersonaTemplate)
    assert {"persona_template", "no_flaw_share", "primary_rate", "style_word_limits", "min"} <= vocab


def test_artifact_registry_matches_the_manifest_paths() -> None:
    paths = Manifest(project="p").paths
    for spec in ARTIFACTS.values():
        assert hasattr(paths, spec.path_field), spec.name


def test_union_fields_report_one_error_per_place() -> None:
    """`int | str` and `Story | str` fields: no error per alternative pydantic tried."""
    with pytest.raises(SpecErrors) as exc:
        validate(Sidecar, parse_yaml(SIDECAR.replace("currentStep: 5", "currentStep: [5]").replace(
            "title: Data,", "titel: Data,"), "sidecar.yaml"))
    assert [e.render() for e in exc.value.errors] == [
        "sidecar.yaml:3:1: currentStep: Input should be a valid integer or string, got a list. "
        "write a value of one of those types",
        "sidecar.yaml:10:7: stories.step_5_training[0]: required key 'title' is missing. add `title:` here",
        "sidecar.yaml:10:23: stories.step_5_training[0].titel: unknown key 'titel'. did you mean 'title'?",
    ]


def test_every_language_fix_names_a_code_the_manifest_accepts() -> None:
    """A name or a regional tag is told the code to write, and writing it passes."""
    from ftspec.models.languages import NAMES, language_code

    for written in [*NAMES, *(name.title() for name in NAMES), "en-US", "zh_Hans", "EN"]:
        with pytest.raises(ValueError, match="is not an ISO 639-1 language code") as error:
            language_code(written)
        code = str(error.value).split("write '")[1].split("'")[0]
        assert language_code(code) == code
        assert validate(Manifest, parse_yaml(f"project: p\nlanguages: [{code}]\n", "ftspec.yaml")).languages == [code]
