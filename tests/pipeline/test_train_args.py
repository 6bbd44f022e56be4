"""The training spec as trainer arguments: checks before any model loads, LoRA and bf16 choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ftspec.errors import StageError
from ftspec.models.training import Training
from ftspec.pipeline.train_args import check_config, common_args, lora_config


def _spec(**extra: Any) -> Training:
    data: dict[str, Any] = {
        "base_model": "m",
        "approach": "sft",
        "peft": {"method": "lora", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"]},
        "sft": {"learning_rate": 1e-4, "num_train_epochs": 1, "per_device_train_batch_size": 1},
    }
    data.update(extra)
    return Training.model_validate(data)


def test_dpo_without_its_section_is_refused() -> None:
    with pytest.raises(StageError, match="needs a `dpo:` section"):
        check_config(_spec().model_copy(update={"approach": "sft+dpo"}), cuda=False)  # as if the model allowed it


def test_early_stopping_needs_saves_on_evaluated_steps() -> None:
    spec = _spec(monitoring={"eval_steps": 3, "save_steps": 4, "early_stopping": {"enabled": True}})
    with pytest.raises(StageError, match="multiple of eval_steps"):
        check_config(spec, cuda=True)


def test_lora_config_follows_the_spec() -> None:
    cfg = lora_config(_spec(peft={"method": "lora", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj"]}))
    assert (cfg.r, cfg.lora_alpha, set(cfg.target_modules)) == (8, 16, {"q_proj"})
    assert lora_config(_spec(peft={"method": "full"})) is None


def test_cpu_runs_have_bf16_off_and_no_telemetry() -> None:
    spec = _spec()
    args = common_args(spec, spec.sft, Path("out"), max_steps=3, cuda=False, has_eval=False)
    assert args["bf16"] is False and args["report_to"] == "none" and args["max_steps"] == 3
    assert args["eval_strategy"] == "no" and args["warmup_steps"] == spec.sft.warmup_ratio  # type: ignore[union-attr]
