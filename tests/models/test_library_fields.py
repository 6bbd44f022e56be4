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
