"""Drift gate and the Markdown field reader it rests on."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.gates.mdfields import Stated, first_number, stated_fields
from ftspec.placeholders import is_stand_in
from tests.projects import make_project, run

TS, TY = "phase-2-training/training-spec.md", "config/training.yaml"


def test_stated_fields_reads_bold_labels_and_table_rows() -> None:
    text = ("# Spec\n- **Rank:** 16\n**Alpha**: 32\n\n| Parameter | Value | Why |\n|---|:---:|---|\n"
            "| Learning Rate | 2e-4 | because |\n```yaml\n| Epochs | 9 |\n**Rank:** 99\n```\n| `Warmup` | 5% |\n")
    assert stated_fields(text) == [
        Stated(2, "rank", "16"), Stated(3, "alpha", "32"), Stated(7, "learning rate", "2e-4"),
        Stated(12, "warmup", "5%")]


def test_stated_fields_counts_lines_from_the_body_start() -> None:
    assert stated_fields("**Rank:** 8\n", first_line=5) == [Stated(5, "rank", "8")]


@pytest.mark.parametrize(("text", "number"), [
    ("2e-4", 2e-4), ("`2.0e-4`", 2e-4), ("8,192 tokens", 8192), ("5%", 0.05), ("about 3 (early stop)", 3),
    ("0.05", 0.05), ("none", None), ("-1", -1),
])
def test_first_number(text: str, number: float | None) -> None:
    assert first_number(text) == number


@pytest.mark.parametrize(("text", "placeholder"), [("[value]", True), ("TBD", True), ("<model>", True),
                                                   ("16", False), ("[q_proj] and more", False)])
def test_is_placeholder(text: str, placeholder: bool) -> None:
    assert is_stand_in(text) is placeholder


def test_finding_points_at_the_markdown_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={TS: [("**Rank:** 16", "**Rank:** 8")]})
    (finding,) = run("training-spec.drift", root).findings
    assert finding.path == TS and "**Rank:** 8" in (root / TS).read_text().splitlines()[finding.line - 1]


def test_frontmatter_shifts_lines(tmp_path: Path) -> None:
    front = "---\nstatus: designed\n---\n# Training Pipeline"
    root = make_project(tmp_path, replace={TS: [("# Training Pipeline", front), ("**Rank:** 16", "**Rank:** 8")]})
    (finding,) = run("training-spec.drift", root).findings
    assert "**Rank:** 8" in (root / TS).read_text().splitlines()[finding.line - 1]


STAGED = {TY: [("approach: sft  ", "approach: sft+dpo  "),
               ("monitoring:\n", "dpo:\n  learning_rate: 5.0e-6\n  num_train_epochs: 1\n"
                "  per_device_train_batch_size: 4\n  beta: 0.2\nmonitoring:\n"),
               ("  format: messages\n", "  format: messages\n  dpo_train: data/dpo.jsonl\n")]}


def test_stage_prefixed_labels_read_their_stage(tmp_path: Path) -> None:
    rows = "| SFT Learning Rate | 2e-4 |\n| DPO Learning Rate | 5e-6 |\n| DPO Epochs | 1 |\n| Beta | 0.2 |\n"
    replace = {**STAGED, TS: [("| Learning Rate | 2e-4 |", "| Learning Rate | 5e-6 |"),
                              ("## Monitoring\n", rows + "\n## Monitoring\n"),
                              ("**Primary:** SFT", "**Primary:** Combined")]}
    root = make_project(tmp_path, replace=replace)
    assert run("training-spec.drift", root).outcome == "passed"


def test_stage_prefixed_label_catches_the_other_stages_value(tmp_path: Path) -> None:
    replace = {**STAGED, TS: [("| Learning Rate | 2e-4 |", "| DPO Learning Rate | 2e-4 |"),
                              ("**Primary:** SFT", "**Primary:** SFT+DPO")]}
    root = make_project(tmp_path, replace=replace)
    (finding,) = run("training-spec.drift", root).findings
    assert finding.message == "states dpo learning rate 2e-4 but config/training.yaml has dpo.learning_rate: 5e-06"


def test_skip_record_is_not_compared(tmp_path: Path) -> None:
    root = make_project(tmp_path, "rag-only")
    assert run("training-spec.drift", root).reason == "phase-2-training/training-spec.md is a skip record"


BLOCK = "A copy:\n\n```yaml\npeft:\n  r: 16\nsft:\n  num_train_epochs: 5\n  unknown_here: 1\n```\n"


def test_yaml_block_finding_points_at_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={TS: [("## Full Configuration\n", "## Full Configuration\n" + BLOCK)]})
    (finding,) = run("training-spec.drift", root).findings
    assert "num_train_epochs: 5" in (root / TS).read_text().splitlines()[finding.line - 1]


def test_broken_yaml_block_is_a_finding_beside_the_others(tmp_path: Path) -> None:
    broken = "```yaml\npeft: [unclosed\n```\n"
    root = make_project(tmp_path, replace={TS: [("## Full Configuration\n", "## Full Configuration\n" + broken),
                                                ("**Rank:** 16", "**Rank:** 8")]})
    messages = [f.message for f in run("training-spec.drift", root).findings]
    assert len(messages) == 2 and any("invalid YAML" in m for m in messages), messages
