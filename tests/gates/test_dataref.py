"""Declared data that is not on disk: a hub id skips with a reason, a wrong path is a finding, no default eval."""

from __future__ import annotations

from pathlib import Path

from tests.projects import make_project, run

TRAIN = "  train: data/train.jsonl"


def test_hub_dataset_id_is_recognised_and_skips_the_data_gates(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", replace={"config/training.yaml": [
        (TRAIN, "  train: HuggingFaceH4/ultrachat_200k"), ("  eval: data/eval.jsonl", "  eval: org/eval-set")]})
    for gate_id in ("data.format", "data.min-count", "data.pii"):
        result = run(gate_id, root)
        assert result.outcome == "skipped", (gate_id, [f.render() for f in result.findings])
        assert "not a local file; ftspec downloads nothing; data gates skipped" in result.reason


def test_a_typo_is_one_finding_and_the_other_data_gates_point_at_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", replace={"config/training.yaml": [(TRAIN, "  train: data/trian.jsonl")]})
    result = run("data.format", root)
    assert result.outcome == "failed"
    assert "data.train data/trian.jsonl does not exist" in result.findings[0].render()
    other = run("data.min-count", root)
    assert other.outcome == "skipped" and "see data.format" in other.reason


def test_without_dvc_a_near_miss_of_an_existing_file_is_a_typo(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", replace={"config/training.yaml": [(TRAIN, "  train: data/trian.jsonl")]},
                        remove=["dvc.yaml"])
    assert run("data.format", root).outcome == "skipped"  # the split stage may yet write it
    (root / "data").mkdir()
    (root / "data/train.jsonl").write_text('{"messages": []}\n')
    result = run("data.format", root)
    assert result.outcome == "failed" and "did you mean data/train.jsonl?" in result.findings[0].render()


def test_pipeline_outputs_not_written_yet_still_skip(tmp_path: Path) -> None:
    result = run("data.format", make_project(tmp_path / "p"))
    assert result.outcome == "skipped" and "the pipeline writes it" in result.reason


def test_no_undeclared_default_eval_path(tmp_path: Path) -> None:
    from ftspec.models.training import TrainingData

    assert TrainingData.model_validate({}).eval is None
