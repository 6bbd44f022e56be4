"""Training gates: ranges and their overrides, model identity, rag-only, and no ML imports on the check path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftspec.gates.training import outside, same_model
from tests.projects import make_project, run

TY, MF = "config/training.yaml", "ftspec.yaml"
REPO = Path(__file__).resolve().parents[2]
TRAINING_GATES = ("training.peft", "training.hyperparameters", "training.quantization", "training.max-length",
                  "training.monitoring", "training.base-model")


@pytest.mark.parametrize(("value", "bounds", "out"), [
    (2e-4, [1e-5, 2e-4], False), (1e-5, [1e-5, 2e-4], False), (2.01e-4, [1e-5, 2e-4], True),
    (9e-6, [1e-5, 2e-4], True), (0.0, [0.0, 0.1], False), (0.1, [0.03, 0.10], False), (0.11, [0.03, 0.10], True),
])
def test_bounds_are_inclusive(value: float, bounds: list[float], out: bool) -> None:
    assert outside(value, bounds) is out


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Qwen/Qwen2.5-7B-Instruct", "qwen/qwen2.5-7b-instruct", True),
    ("/models/Qwen2.5-7B-Instruct/", "Qwen/Qwen2.5-7B-Instruct", True),
    ("./weights/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct", True),
    ("someone/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct", False),
    ("Qwen/Qwen2.5-14B-Instruct", "Qwen/Qwen2.5-7B-Instruct", False),
])
def test_same_model(a: str, b: str, same: bool) -> None:
    assert same_model(a, b) is same


def test_a_range_override_keeps_the_other_defaults(tmp_path: Path) -> None:
    setting = "gates:\n  training.hyperparameters: {sft: {learning_rate: [1.0e-5, 5.0e-4]}}\n"
    root = make_project(tmp_path, replace={MF: [("gates:\n", setting)], TY: [
        ("learning_rate: 2.0e-4", "learning_rate: 4.0e-4"), ("num_train_epochs: 3", "num_train_epochs: 8")]})
    (finding,) = run("training.hyperparameters", root).findings
    assert finding.message == "num_train_epochs 8 is outside 1-5 for SFT"


def test_severity_override_turns_a_range_into_a_warning(tmp_path: Path) -> None:
    setting = "gates:\n  training.hyperparameters: {severity: warning}\n"
    epochs = ("num_train_epochs: 3", "num_train_epochs: 8")
    root = make_project(tmp_path, replace={MF: [("gates:\n", setting)], TY: [epochs]})
    assert run("training.hyperparameters", root).outcome == "warned"


def test_training_gates_do_not_apply_to_a_rag_only_project(tmp_path: Path) -> None:
    root = make_project(tmp_path, "rag-only")
    for gate_id in TRAINING_GATES:
        result = run(gate_id, root)
        assert (result.outcome, result.reason) == ("skipped", "rag-only project: no training step"), gate_id


def test_full_fine_tuning_has_no_lora_checks(tmp_path: Path) -> None:
    root = make_project(tmp_path, files={TY: (
        "base_model: Qwen/Qwen2.5-7B-Instruct\napproach: sft\npeft: {method: full}\n"
        "sft: {learning_rate: 1.0e-5, num_train_epochs: 2, per_device_train_batch_size: 8, warmup_ratio: 0.05}\n")})
    assert run("training.peft", root).outcome == "skipped"
    assert run("training.quantization", root).outcome == "skipped"
    assert run("training.hyperparameters", root).outcome == "passed"


def test_max_length_uses_model_choice_budget_without_a_manifest_budget(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={
        MF: [("token_budget:\n  max_tokens_per_example: 8192\n", "")],
        "model-choice.md": [("context_window: 32768\n", "context_window: 32768\nmax_tokens_per_example: 4096\n")]})
    (finding,) = run("training.max-length", root).findings
    assert finding.message == "max_length 8192 is above the token budget in model-choice.md (4096)"


def test_gate_modules_import_no_ml_library() -> None:
    code = ("import sys, ftspec.gates.training, ftspec.gates.drift, ftspec.gates.workflow, ftspec.gates.stories, "
            "ftspec.models.training\n"
            "print(sorted(m for m in ('torch', 'transformers', 'peft', 'trl', 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_training_fixture_in_a_project_gate(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "gates").mkdir(exist_ok=True)
    (root / "gates" / "test_own.py").write_text("def test_rank(training):\n    assert training.peft.r == 16\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "ftspec.pytest_plugin", "-p", "no:cacheprovider",
               "gates/test_own.py"]
    out = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr


def test_a_misspelt_range_is_reported_in_the_manifest(tmp_path: Path) -> None:
    setting = "gates:\n  training.hyperparameters: {sft: {learning_rat: [1.0e-5, 5.0e-4], epochs: 3}}\n"
    root = make_project(tmp_path, replace={MF: [("gates:\n", setting)]})
    findings = run("training.hyperparameters", root).findings
    assert [(f.path, f.message) for f in findings] == [
        (MF, "unknown sft range 'learning_rat'"), (MF, "unknown sft range 'epochs'")]


def test_a_malformed_peft_range_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    root = make_project(tmp_path, replace={MF: [("gates:\n", "gates:\n  training.peft: {r: 16}\n")]})
    assert run("training.peft", root).outcome == "skipped"  # typed settings: manifest.schema says why
    (finding,) = run("manifest.schema", root).findings
    assert (finding.path, finding.message) == (MF, "r must be a [low, high] pair, not int 16")
