"""Stories gates: step keys, configurable prefixes and criteria counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.gates.stories import PREFIXES, key_step
from tests.projects import make_project, run

SC, MF = "sidecar.yaml", "ftspec.yaml"


@pytest.mark.parametrize(("key", "step"), [("step_5_training", 5), ("step_10_integration", 10), ("step_2", 2),
                                           ("training", None), ("steps_5", None)])
def test_key_step(key: str, step: int | None) -> None:
    assert key_step(key) == step


def test_default_prefixes_follow_the_methodology() -> None:
    assert PREFIXES == {2: "ARCH", 3: "DATA", 4: "EMB", 5: "TRAIN", 6: "RAG", 7: "PROMPT", 8: "EVAL", 9: "OPS",
                        10: "INTEG"}


def test_prefixes_are_configurable(tmp_path: Path) -> None:
    setting = "gates:\n  stories.fields: {prefixes: {2: ARCH, 3: DATA, 4: EMB, 5: FT}}\n"
    root = make_project(tmp_path, replace={MF: [("gates:\n", setting)]})
    result = run("stories.fields", root)
    assert len(result.findings) == 5 and all("use FT-S<NN>" in f.fix for f in result.findings)
    assert run("manifest.schema", root).outcome == "passed"


def test_ids_match_case_insensitively(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={SC: [("id: TRAIN-S05", "id: train-s05")]})
    assert run("stories.fields", root).outcome == "passed"


def test_every_bad_story_is_reported_at_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={SC: [("id: TRAIN-S01", "id: EVAL-S01"), ("id: TRAIN-S02", "id: TRAIN-2")]})
    result = run("stories.fields", root)
    text = (root / SC).read_text().splitlines()
    assert [text[f.line - 1].strip() for f in result.findings] == ["- id: EVAL-S01", "- id: TRAIN-2"]


def test_a_completed_step_without_any_stories(tmp_path: Path) -> None:
    root = make_project(tmp_path, "rag-only", replace={SC: [("stepsCompleted: [1, 2, 3, 4, 5]",
                                                             "stepsCompleted: [1, 2, 3, 4, 5, 6]"),
                                                            ("currentStep: 6", "currentStep: 7")]})
    (finding,) = run("stories.per-step", root).findings
    assert finding.message == "step 6 is completed but has no stories" and "RAG-S01" in finding.fix
