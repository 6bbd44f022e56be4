"""The input taxonomy model, including the real-world shape: topics list + flat dimensions + turn_ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.errors import SpecErrors
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.loader import parse_yaml
from ftspec.models.base import validate
from ftspec.models.taxonomy import InputTaxonomy
from ftspec.project import Project

REAL_WORLD = """\
taxonomy:
  topics:
    - name: anxiety
      weight: 0.30
      subtopics: [work_stress, social_anxiety]
    - name: relationships
      weight: 0.25
      subtopics: [family, partner]
    - name: life_transitions
      weight: 0.20
      subtopics: [moving, loss]
    - name: self_worth
      weight: 0.15
      subtopics: [self_criticism]
    - name: edge_cases
      weight: 0.15
      subtopics: [crisis, out_of_scope, hostile]
  communication_style: {terse: 0.2, casual: 0.5, formal: 0.2, stream-of-consciousness: 0.1}
  difficulty: {easy: 0.3, medium: 0.5, hard: 0.2}
turn_ranges:
  short: {min: 3, max: 6}
  long: {min: 10, max: 20}
"""


def load(text: str) -> InputTaxonomy:
    return validate(InputTaxonomy, parse_yaml(text, "config/input-taxonomy.yaml"))


def test_real_world_shape() -> None:
    tax = load(REAL_WORLD)
    assert [t.name for t in tax.taxonomy.topics][-1] == "edge_cases"
    assert tax.taxonomy.topics[-1].is_edge_case
    assert set(tax.taxonomy.dimensions) == {"communication_style", "difficulty"}
    assert tax.taxonomy.dimensions["difficulty"]["hard"] == 0.2
    assert tax.turn_ranges["long"].max == 20


def test_explicit_dimensions_key_is_accepted_too() -> None:
    text = REAL_WORLD.replace("  communication_style:", "  dimensions:\n    communication_style:").replace(
        "  difficulty:", "    difficulty:"
    )
    assert load(text).taxonomy.dimensions == load(REAL_WORLD).taxonomy.dimensions


def test_weighted_subtopics() -> None:
    tax = load(
        REAL_WORLD.replace("[family, partner]", "[{name: family, weight: 0.6}, {name: partner, weight: 0.4}]")
    )
    assert tax.taxonomy.topics[1].subtopics[1].weight == 0.4


def test_the_real_files_weights_summing_to_1_05_are_caught(tmp_path: Path) -> None:
    """The real project's topic weights summed to 1.05: the schema accepts it, taxonomy.weights does not."""
    load(REAL_WORLD)  # valid shape
    from tests.conftest import WORKED, copy_project

    project = copy_project(WORKED, tmp_path / "p")
    (project / "config/input-taxonomy.yaml").write_text(REAL_WORLD)
    result = run_gate(all_gates()["taxonomy.weights"], Project(project))
    assert result.outcome == "failed"
    [finding] = result.findings
    assert finding.render() == (
        "config/input-taxonomy.yaml:2:3: taxonomy.topics: topic weights sum to 1.05, not 1.0. "
        "adjust the topic weights so they add up to 1.0"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("min: 10, max: 20", "min: 20, max: 10"),
            "config/input-taxonomy.yaml:22:3: turn_ranges.long: min 20 is above max 10. swap them",
        ),
        (
            ("hard: 0.2}", "hard: high}"),
            "taxonomy.difficulty.hard: Input should be a valid number, got 'high'",
        ),
        (
            ("      weight: 0.25\n", "      weigth: 0.25\n"),
            "taxonomy.topics[1].weigth: unknown key 'weigth'. did you mean 'weight'?",
        ),
        (("  topics:\n", "  topic:\n"), "config/input-taxonomy.yaml:1:1: taxonomy"),
    ],
)
def test_errors(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(SpecErrors) as exc:
        load(REAL_WORLD.replace(*change))
    rendered = "\n".join(e.render() for e in exc.value.errors)
    assert expected in rendered
