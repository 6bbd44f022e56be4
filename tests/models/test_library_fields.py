"""The generated library field lists match the installed peft, transformers and trl (when they are installed).

The check path reads ftspec/models/library_fields.py and never imports the libraries; this test is what keeps the
lists honest. After upgrading the libraries: `python -m ftspec.models._gen_library_fields`.
"""

from __future__ import annotations

import pytest

from ftspec.models import library_fields


def test_lists_match_the_installed_libraries() -> None:
    for name in ("peft", "transformers", "trl"):
        pytest.importorskip(name)
    from ftspec.models._gen_library_fields import library_fields as installed

    for name, (source, names) in installed().items():
        generated = getattr(library_fields, name)
        assert library_fields.SOURCES[name] == source, "regenerate: python -m ftspec.models._gen_library_fields"
        assert generated == names, f"{name}: +{sorted(names - generated)} -{sorted(generated - names)}"


def test_lists_hold_what_real_configs_use() -> None:
    assert {"bias", "task_type", "use_rslora"} <= library_fields.LORA_CONFIG
    assert {"save_strategy", "save_total_limit", "report_to"} <= library_fields.TRAINING_ARGUMENTS
    assert "assistant_only_loss" in library_fields.SFT_CONFIG and "beta" in library_fields.DPO_CONFIG


def test_library_keys_reach_the_library_configs(tmp_path: object) -> None:
    """What the spec accepts beyond ftspec's own keys is what LoraConfig and SFTConfig are built with."""
    for name in ("peft", "trl", "torch"):
        pytest.importorskip(name)
    from pathlib import Path

    from trl import SFTConfig

    from ftspec.loader import parse_yaml
    from ftspec.models.base import validate
    from ftspec.models.training import Training
    from ftspec.pipeline.train_args import common_args, lora_config, sft_args

    spec = validate(Training, parse_yaml(
        "base_model: m\napproach: sft\npeft: {method: lora, r: 8, target_modules: all-linear, bias: lora_only, "
        "use_rslora: true}\nsft: {learning_rate: 1.0e-4, num_train_epochs: 1, per_device_train_batch_size: 1, "
        "save_total_limit: 1, report_to: none, assistant_only_loss: true}\n", "config/training.yaml"))
    lora = lora_config(spec)
    assert lora.bias == "lora_only" and lora.use_rslora is True
    assert spec.sft is not None
    args = SFTConfig(**common_args(spec, spec.sft, Path(str(tmp_path)), -1, False, False), **sft_args(spec))
    assert args.save_total_limit == 1 and args.assistant_only_loss is True
