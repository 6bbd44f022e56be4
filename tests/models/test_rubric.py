"""The rubric model: both encodings of the method, calibration types, and located errors."""

from __future__ import annotations

import pytest

from ftspec.errors import SpecErrors
from ftspec.loader import parse_yaml
from ftspec.models.base import validate
from ftspec.models.rubric import Rubric
from tests.conftest import WORKED

MAPPING = """\
categories:
  comprehension: {weight: 0.6, criteria: [CQ1]}
  safety: {weight: 0.4, criteria: [CQ2]}
criteria:
  CQ1:
    name: Accurate understanding
    question: Does the response demonstrate accurate understanding?
    calibration_examples:
      - {type: PASS, context: c, response: r, reasoning: why}
      - {type: BORDERLINE FAIL, response: r}
  CQ2:
    name: Safe
    question: Is it safe?
    na_valid: true
safety_gates: [CQ2]
"""

LISTS = """\
categories:
  - {name: comprehension, weight: 0.6, criteria: [CQ1]}
  - name: safety
    weight: 0.4
    criteria: [CQ2]
criteria:
  - id: CQ1
    name: Accurate understanding
    question: Does the response demonstrate accurate understanding?
    calibration_examples:
      - {type: PASS, context: c, response: r, reasoning: why}
      - {type: borderline_fail, response: r}
  - id: CQ2
    name: Safe
    question: Is it safe?
    na_valid: true
safety_gates: [CQ2]
"""


def load(text: str) -> Rubric:
    return validate(Rubric, parse_yaml(text, "config/rubric.yaml"))


def test_both_encodings_give_the_same_rubric() -> None:
    assert load(MAPPING) == load(LISTS)


def test_fields_and_defaults() -> None:
    rubric = load(LISTS)
    assert list(rubric.criteria) == ["CQ1", "CQ2"]
    assert rubric.categories["safety"].weight == 0.4
    assert rubric.pass_threshold == 0.80
    assert rubric.criteria["CQ1"].na_valid is False and rubric.criteria["CQ1"].min_turns == 1
    assert [e.type for e in rubric.criteria["CQ1"].calibration_examples] == ["PASS", "BORDERLINE_FAIL"]
    assert rubric.category_of() == {"CQ1": ["comprehension"], "CQ2": ["safety"]}


@pytest.mark.parametrize(
    "spelling", ["BORDERLINE PASS", "borderline pass", "Borderline_Pass", " BORDERLINE  PASS "]
)
def test_calibration_type_spellings(spelling: str) -> None:
    rubric = load(MAPPING.replace("type: PASS,", f"type: '{spelling}',"))
    assert rubric.criteria["CQ1"].calibration_examples[0].type == "BORDERLINE_PASS"


def test_worked_example_validates() -> None:
    rubric = validate(Rubric, parse_yaml((WORKED / "config/rubric.yaml").read_text(), "config/rubric.yaml"))
    assert len(rubric.criteria) == 9 and rubric.safety_gates == ["CQ8", "CQ9"]


def errors(text: str) -> list[str]:
    with pytest.raises(SpecErrors) as exc:
        load(text)
    return [e.render() for e in exc.value.errors]


def test_errors_in_list_encoding_point_into_the_list() -> None:
    [message] = errors(LISTS.replace("{type: borderline_fail", "{type: SOMETIMES"))
    assert message.startswith(
        "config/rubric.yaml:12:10: criteria[0].calibration_examples[1].type: Input should be"
    )
    assert "got 'SOMETIMES'" in message


def test_errors_in_mapping_encoding() -> None:
    [message] = errors(MAPPING.replace("na_valid: true", "na_valid: maybe"))
    assert message.startswith(
        "config/rubric.yaml:14:5: criteria.CQ2.na_valid: Input should be a valid boolean"
    )
    assert message.endswith("write true or false")


def test_unknown_key_did_you_mean() -> None:
    [message] = errors(MAPPING.replace("    name: Safe", "    nam: Safe\n    name: Safe"))
    assert message == "config/rubric.yaml:12:5: criteria.CQ2.nam: unknown key 'nam'. did you mean 'name'?"


def test_unknown_key_without_a_close_match() -> None:
    [message] = errors(MAPPING + "zzzzzz: 1\n")
    assert message == "config/rubric.yaml:16:1: zzzzzz: unknown key 'zzzzzz'. remove it or check the spelling"


def test_missing_required_key_points_at_its_parent() -> None:
    [message] = errors(MAPPING.replace("    question: Is it safe?\n", ""))
    assert (
        message
        == "config/rubric.yaml:11:3: criteria.CQ2: required key 'question' is missing. add `question:` here"
    )


def test_every_error_reported_sorted() -> None:
    bad = MAPPING.replace("weight: 0.6", "weight: lots").replace("question: Is it safe?", "question: 3")
    found = errors(bad)
    assert len(found) == 2
    assert found[0].startswith("config/rubric.yaml:2:") and found[1].startswith("config/rubric.yaml:13:")


@pytest.mark.parametrize("na_scores", ["omit", "pass"])
def test_na_scores_decides_how_a_valid_na_counts(na_scores: str) -> None:
    from ftspec.pipeline.judging import score

    rubric = Rubric.model_validate({
        "categories": {"a": {"weight": 0.5, "criteria": ["C1", "C2"]}, "b": {"weight": 0.5, "criteria": ["C3"]}},
        "criteria": {c: {"name": c, "question": "Does it?", "na_valid": True} for c in ("C1", "C2", "C3")},
        "na_scores": na_scores,
    })
    # C1 NO, C2 NA: omit leaves C2 out (a = 0/1), pass counts it as YES (a = 1/2); C3 YES in both.
    only_na = score(rubric, {"C1": "NO", "C2": "NA", "C3": "YES"})["score"]
    assert only_na == pytest.approx(0.75 if na_scores == "pass" else 0.5)


def test_na_scores_accepts_only_pass_or_omit() -> None:
    with pytest.raises(SpecErrors) as info:
        validate(Rubric, parse_yaml("categories: {a: {weight: 1.0, criteria: [C1]}}\ncriteria:\n  C1:\n"
                                    "    name: x\n    question: Does it\nna_scores: yes\n", "r.yaml"))
    assert "na_scores" in str(info.value)
