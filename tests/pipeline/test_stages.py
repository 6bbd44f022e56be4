"""Every stage for real on the tiny model: generate -> assess -> split -> base-eval -> train -> evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ftspec import git
from ftspec.loader import load_markdown
from ftspec.models.base import validate
from ftspec.models.base_eval import BaseEval
from ftspec.pipeline import assess, base_eval, evaluate, generate, split, train
from ftspec.pipeline.common import read_jsonl
from tests.pipeline.conftest import args


def _front(path: Path) -> BaseEval:
    doc = load_markdown(path, path.name)
    assert doc.frontmatter is not None
    return validate(BaseEval, doc.frontmatter)


@pytest.mark.slow
def test_whole_pipeline(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.com")
        monkeypatch.setenv(f"GIT_{var}_DATE", "2026-01-01T00:00:00+00:00")
    sha = git.init_and_commit(Path("project"), "The spec the adapter is trained from")
    assert generate.main(args("--metrics", "m/generate.json")) == 0
    assert assess.main(args("--metrics", "m/assess.json")) == 0
    assert split.main(args("--metrics", "m/split.json")) == 0
    assert base_eval.main(args("--report", "base.md", "--metrics", "m/base.json")) == 0
    assert train.main(args("--out", "models/adapter", "--plots", "plots", "--metrics", "m/train.json")) == 0
    assert evaluate.main(args("--adapter", "models/adapter", "--report", "report.md", "--metrics", "m/eval.json")) == 0

    convs = read_jsonl(Path("data/conversations.jsonl"))
    assert len({c["id"] for c in convs}) == len(convs) == 16
    assessed = json.loads(Path("m/assess.json").read_text())
    assert assessed["count"] == 16 and set(assessed["criterion_failures"]) == {f"CQ{i}" for i in range(1, 10)}
    assert {"phrase_repetition", "structure_uniformity", "length_ratio", "late_praise"} <= set(assessed["red_flags"])
    train_ids = {r["transcript"] for r in read_jsonl(Path("data/train.jsonl"))}
    eval_ids = {r["id"] for r in read_jsonl(Path("data/eval_personas.jsonl"))}
    assert train_ids and eval_ids and not train_ids & eval_ids
    report = _front(Path("base.md"))
    assert report.decision == base_eval.decision_band(report.pass_rate)
    assert (Path("models/adapter") / "adapter_config.json").is_file()
    provenance = json.loads(Path("models/adapter/provenance.json").read_text())
    assert provenance["git_commit"] == sha and provenance["git_dirty"] is False
    assert yaml.safe_load(Path("models/adapter/training.yaml").read_text())["peft"]["method"] == "lora"
    assert json.loads(Path("plots/train_loss.json").read_text())
    trained = json.loads(Path("m/train.json").read_text())
    assert trained["steps"] == 4 and trained["tokens_seen"] > 0
    decision = json.loads(Path("m/eval.json").read_text())
    assert decision["n"] == 4 and isinstance(decision["ship"], bool)
    assert "SHIP" in Path("report.md").read_text()


@pytest.mark.slow
def test_sft_then_dpo_starts_from_the_sft_adapter(work: Path) -> None:
    tiny = yaml.safe_load(Path("tiny.yaml").read_text())
    tiny["training"]["approach"] = "sft+dpo"
    tiny["training"]["dpo"] = {
        "learning_rate": 5.0e-6,
        "beta": 0.1,
        "per_device_train_batch_size": 2,
        "gradient_accumulation_steps": 1,
        "max_length": 1024,
        "num_train_epochs": 1,
    }
    tiny["training"]["data"] = {"dpo_train": "data/dpo_train.jsonl", "dpo_eval": "data/dpo_eval.jsonl"}
    tiny["training"]["monitoring"]["early_stopping"]["enabled"] = False
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))
    for stage in (generate, assess, split):
        assert stage.main(args()) == 0
    assert train.main(args("--out", "models/adapter", "--plots", "plots")) == 0
    assert (Path("models/adapter/sft") / "adapter_config.json").is_file()
    phases = {row["phase"] for row in json.loads(Path("plots/train_loss.json").read_text())}
    assert phases == {"sft", "dpo"}


def test_stage_refuses_when_its_gates_fail(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = Path("project/config/input-taxonomy.yaml")
    path.write_text(path.read_text().replace("weight: 0.25", "weight: 0.30", 1))
    assert generate.main(args()) == 1
    err = capsys.readouterr().err
    assert "stage 'generate' refused" in err and "taxonomy.weights" in err
    assert not Path("data/conversations.jsonl").exists()


@pytest.mark.slow
def test_train_resumes_from_its_last_checkpoint_only_for_the_same_spec(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    tiny = yaml.safe_load(Path("tiny.yaml").read_text())
    tiny["training"]["monitoring"].update({"save_steps": 2, "eval_steps": 2})
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))
    for stage in (generate, assess, split):
        assert stage.main(args()) == 0
    assert train.main(args("--out", "models/adapter")) == 0
    checkpoints = Path("models/adapter.checkpoints/sft")
    shutil.rmtree(checkpoints / "checkpoint-4")  # as if killed after step 2
    capsys.readouterr()
    assert train.main(args("--out", "models/adapter")) == 0
    assert f"resuming from {checkpoints / 'checkpoint-2'}" in capsys.readouterr().out
    tiny["training"]["seed"] = 7  # another spec: its checkpoints must not be resumed
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))
    assert train.main(args("--out", "models/adapter")) == 0
    assert "resuming" not in capsys.readouterr().out


def test_a_bad_option_is_a_one_line_usage_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert split.main(["--no-such-option"]) == 4
    assert "ftspec run split: unrecognized arguments" in capsys.readouterr().err
