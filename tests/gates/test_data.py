"""Data gates beyond the examples: skipping before the pipeline has run, DPO sets, calibration overlap,
inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project

ROOT = Path(__file__).parents[2]
BASE = ROOT / "tests" / "examples" / "data.format" / "pass" / "generated"
DATA_GATES = [g for g in all_gates() if g.startswith("data.")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "spec-templates" / "worked-example", root)
    shutil.copytree(BASE, root, dirs_exist_ok=True)
    return root


def run(root: Path, gate_id: str) -> tuple[str, list[str], str]:
    result = run_gate(all_gates()[gate_id], Project(root))
    return result.outcome, [f.render() for f in result.findings], result.reason


@pytest.mark.parametrize("gate_id", DATA_GATES)
def test_skipped_until_the_pipeline_writes_the_data(project: Path, gate_id: str) -> None:
    shutil.rmtree(project / "data")
    outcome, _, reason = run(project, gate_id)
    assert outcome == "skipped" and "no data yet" in reason


@pytest.mark.parametrize("gate_id", DATA_GATES)
def test_skipped_without_a_training_config(project: Path, gate_id: str) -> None:
    (project / "config" / "training.yaml").unlink()
    assert run(project, gate_id)[0] == "skipped"


def test_data_files_are_recorded_as_gate_inputs(project: Path) -> None:
    proj = Project(project)
    run_gate(all_gates()["data.pii"], proj)
    assert {"file:data/train.jsonl", "file:data/eval.jsonl"} <= set(proj.recording)


def test_an_unreadable_data_file_fails_with_its_name(project: Path) -> None:
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text().replace("data/train.jsonl", "data/train.txt"))
    (project / "data" / "train.txt").write_text("hello")
    outcome, findings, _ = run(project, "data.format")
    assert outcome == "failed" and "unsupported data format" in findings[0]


def test_dpo_sets_use_the_preference_shape_and_dpo_minimum(project: Path) -> None:
    training = project / "config" / "training.yaml"
    config = yaml.safe_load(training.read_text())
    config["approach"] = "dpo"
    config["dpo"] = {"learning_rate": 5.0e-6, "num_train_epochs": 1, "per_device_train_batch_size": 4,
                     "gradient_accumulation_steps": 2, "warmup_ratio": 0.1, "weight_decay": 0.0, "beta": 0.1,
                     "max_length": 512}
    del config["sft"]
    config["data"]["dpo_train"] = "data/prefs.jsonl"
    training.write_text(yaml.safe_dump(config, sort_keys=False))
    rows = [
        {"prompt": f"question {i}", "chosen": f"good answer {i}", "rejected": f"bad answer {i}"}
        for i in range(4)
    ]
    rows.append({"prompt": "q", "chosen": "same", "rejected": "same"})
    (project / "data" / "prefs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    outcome, findings, _ = run(project, "data.format")
    assert (
        outcome == "failed"
        and findings == [findings[0]]
        and "data/prefs.jsonl:5:1: chosen and rejected" in findings[0]
    )
    outcome, findings, _ = run(project, "data.min-count")
    assert outcome == "failed" and "5 DPO examples, need at least 1,000" in findings[0]


def test_overlap_with_a_rubric_calibration_example_is_contamination(project: Path) -> None:
    from ftspec.loader import load_mapping
    from ftspec.models.base import validate
    from ftspec.models.rubric import Rubric

    rubric = validate(Rubric, load_mapping(project / "config" / "rubric.yaml", "config/rubric.yaml"))
    response = max((e.response for c in rubric.criteria.values() for e in c.calibration_examples), key=len)
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": response}]}
    with (project / "data" / "train.jsonl").open("a") as handle:
        handle.write(json.dumps(row) + "\n")
    outcome, findings, _ = run(project, "data.contamination")
    assert outcome == "failed"
    assert findings[0].startswith("data/train.jsonl:14:1: ") and "with config/rubric.yaml:" in findings[0]


def test_token_length_reports_a_missing_tokenizer(project: Path) -> None:
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text().replace("tokenizer: null", "tokenizer: tokenizers/missing"))
    outcome, findings, _ = run(project, "data.token-length")
    assert outcome == "failed" and "tokenizer tokenizers/missing does not exist" in findings[0]


def test_the_check_path_imports_no_data_stack(project: Path) -> None:
    """Gates over a project without data (and the worked example) never import numpy, pyarrow or datasets."""
    shutil.rmtree(project / "data")
    code = (
        "import sys\nfrom pathlib import Path\nfrom ftspec.gates.registry import all_gates\n"
        "from ftspec.gates.runner import run_gate\nfrom ftspec.project import Project\n"
        f"for root in (Path({str(project)!r}), Path({str(ROOT / 'spec-templates' / 'worked-example')!r})):\n"
        "    p = Project(root)\n"
        "    [run_gate(g, p) for g in all_gates().values()]\n"
        "names = ('numpy', 'pyarrow', 'datasets', 'torch', 'transformers')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def _set_gate(project: Path, settings: str) -> None:
    manifest = project / "ftspec.yaml"
    text = manifest.read_text()
    assert text.count("\ngates:\n") == 1
    manifest.write_text(text.replace("\ngates:\n", f"\ngates:\n  data.format: {{{settings}}}\n"))


def test_a_data_file_over_the_size_limit_is_a_finding_and_never_read(project: Path) -> None:
    size = (project / "data" / "train.jsonl").stat().st_size
    _set_gate(project, f"max_file_bytes: {size - 1}")
    outcome, findings, _ = run(project, "data.format")
    assert outcome == "failed"
    assert findings[0].startswith("data/train.jsonl:1:1: data/train.jsonl is ")
    assert "over the" in findings[0] and "raise gates: data.format: max_file_bytes" in findings[0]


def test_raising_the_size_limit_as_the_fix_says_reads_the_file(project: Path) -> None:
    passing = run(project, "data.format")
    size = (project / "data" / "train.jsonl").stat().st_size
    _set_gate(project, f"max_file_bytes: {size}")
    assert run(project, "data.format") == passing


@pytest.mark.parametrize("name", ["dataset_info.json", "data-00000-of-00001.arrow", "state.json"])
def test_a_link_in_a_saved_dataset_folder_that_leads_outside_is_a_finding(project: Path, name: str) -> None:
    outside = project.parent / "secret.json"
    outside.write_text('{"token": "do-not-print"}')
    saved = project / "data" / "saved"
    saved.mkdir()
    for other in ("dataset_info.json", "data-00000-of-00001.arrow", "state.json"):
        if other != name:
            (saved / other).write_text("{}")
    (saved / name).symlink_to(outside)
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text().replace("data/train.jsonl", "data/saved"))
    outcome, findings, _ = run(project, "data.format")
    assert outcome == "failed"
    assert findings[0].startswith(f"data/saved/{name}:1:1: data/saved/{name} leads outside the project")
    assert "do-not-print" not in "\n".join(findings)


def _examples(project: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (project / "data" / "train.jsonl").read_text().splitlines()]


def test_a_pretty_printed_json_object_is_one_finding(project: Path) -> None:
    (project / "data" / "train.jsonl").write_text(json.dumps(_examples(project)[0], indent=2) + "\n")
    outcome, findings, _ = run(project, "data.format")
    assert outcome == "failed" and findings == [
        "data/train.jsonl:1:1: the file is one pretty-printed JSON object, not JSON Lines: none of its lines is an "
        "example. write each example as one JSON object on its own line"
    ]


def test_json_lines_that_all_fail_are_each_a_finding(project: Path) -> None:
    """Every line broken (cut short) is no pretty-printed document: each line is named, as any bad line is."""
    lines = [json.dumps(row)[:-9] for row in _examples(project)[:3]]
    (project / "data" / "train.jsonl").write_text("\n".join(lines) + "\n")
    outcome, findings, _ = run(project, "data.format")
    assert outcome == "failed" and [f.split(":")[1] for f in findings] == ["1", "2", "3"]
    assert all("invalid JSON" in f for f in findings)


def test_the_json_lines_the_fix_asks_for_pass(project: Path) -> None:
    rows = _examples(project)
    (project / "data" / "train.jsonl").write_text(json.dumps(rows, indent=2) + "\n")
    assert "pretty-printed JSON array" in run(project, "data.format")[1][0]
    (project / "data" / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))  # jq -c '.[]'
    assert run(project, "data.format")[0] == "passed"


SHAREGPT_FROM = {"system": "system", "user": "human", "assistant": "gpt"}


def _as_sharegpt(row: dict[str, object]) -> dict[str, object]:
    turns = row["messages"]
    assert isinstance(turns, list)
    return {"conversations": [{"from": SHAREGPT_FROM[m["role"]], "value": m["content"]} for m in turns]}


def _as_alpaca(row: dict[str, object]) -> dict[str, object]:
    turns = row["messages"]
    assert isinstance(turns, list)
    return {"instruction": turns[1]["content"], "input": "", "output": turns[2]["content"]}


@pytest.mark.parametrize("convert", [_as_sharegpt, _as_alpaca])
def test_a_chat_in_another_format_is_checked_for_what_it_says(
    project: Path, convert: Callable[[dict[str, object]], dict[str, object]]
) -> None:
    """ShareGPT and Alpaca records are a data.format finding, but what they say is still checked: once, every
    record 'duplicated line 1' (none had text to compare), a copied eval record passed the contamination check
    and a phone number the PII check."""
    rows = [convert(row) for row in _examples(project)]
    evals = [json.loads(line) for line in (project / "data" / "eval.jsonl").read_text().splitlines()]
    rows[4] = convert(evals[0])  # a leak
    planted = _examples(project)[5]
    planted["messages"][2]["content"] += " Call me on +33 1 42 68 53 00."
    rows[5] = convert(planted)
    (project / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run(project, "data.format")[0] == "failed"
    assert run(project, "data.duplicates")[:2] == ("passed", [])
    outcome, findings, _ = run(project, "data.contamination")
    assert outcome == "failed" and findings[0].startswith("data/train.jsonl:5:1: equals 'case 2000 my manager")
    assert "with data/eval.jsonl:1." in findings[0]
    outcome, findings, _ = run(project, "data.pii")
    assert outcome == "failed" and [f.split(":")[1] for f in findings] == ["6"] and "phone number" in findings[0]


def test_records_without_a_word_are_no_duplicates_of_each_other(project: Path) -> None:
    rows = [{"foo": i} for i in range(3)] + [{"messages": [{"role": "user", "content": ""}]}, {"messages": []}]
    (project / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run(project, "data.format")[0] == "failed"  # each is named there
    assert run(project, "data.duplicates")[:2] == ("passed", [])
