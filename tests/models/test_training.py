"""config/training.yaml model: the shared contract loads, and cross-field rules report the line they concern."""

from __future__ import annotations

import pytest

from ftspec.errors import SpecErrors
from ftspec.loader import parse_yaml
from ftspec.models.base import validate
from ftspec.models.training import Training

CONTRACT = """\
base_model: Qwen/Qwen2.5-7B-Instruct
approach: sft
seed: 42
output_dir: models/adapter
peft:
  method: qlora
  r: 16
  lora_alpha: 32
  lora_dropout: 0.05
  target_modules: [q_proj, k_proj, v_proj, o_proj]
quantization:
  load_in_4bit: true
  bnb_4bit_quant_type: nf4
  bnb_4bit_use_double_quant: true
  bnb_4bit_compute_dtype: bfloat16
sft:
  learning_rate: 2.0e-4
  num_train_epochs: 3
  per_device_train_batch_size: 4
  gradient_accumulation_steps: 4
  warmup_ratio: 0.05
  weight_decay: 0.01
  lr_scheduler_type: cosine
  max_length: 8192
  packing: false
  gradient_checkpointing: true
  optim: adamw_torch
monitoring:
  logging_steps: 10
  eval_steps: 100
  save_steps: 500
  early_stopping: {enabled: true, patience: 3, metric: eval_loss}
data:
  train: data/train.jsonl
  eval: data/eval.jsonl
  dpo_train: null
  dpo_eval: null
  format: messages
  tokenizer: null
"""
DPO = """\
dpo:
  learning_rate: 5.0e-6
  num_train_epochs: 1
  per_device_train_batch_size: 4
  beta: 0.1
"""


def load(text: str) -> Training:
    return validate(Training, parse_yaml(text, "config/training.yaml"))


def errors(text: str) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load(text)
    return [e.render() for e in info.value.errors]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_contract_loads_with_attribute_access() -> None:
    t = load(CONTRACT)
    assert (t.base_model, t.approach, t.peft.method, t.peft.r, t.peft.lora_alpha) == (
        "Qwen/Qwen2.5-7B-Instruct", "sft", "qlora", 16, 32)
    assert t.quantization is not None and t.quantization.bnb_4bit_quant_type == "nf4"
    assert t.sft is not None and t.sft.max_length == 8192 and t.sft.effective_batch_size == 16
    assert t.dpo is None and list(t.stages) == ["sft"]
    assert t.monitoring.eval_steps == 100 and t.monitoring.early_stopping is not None
    assert (t.data.train, t.data.eval, t.data.dpo_train, t.data.format) == (
        "data/train.jsonl", "data/eval.jsonl", None, "messages")


def test_sft_then_dpo_stages_in_training_order() -> None:
    text = CONTRACT.replace("approach: sft", "approach: sft+dpo").replace("monitoring:", DPO + "monitoring:")
    text = text.replace("dpo_train: null", "dpo_train: data/dpo.jsonl")
    t = load(text)
    assert list(t.stages) == ["sft", "dpo"] and t.dpo is not None and t.dpo.beta == 0.1


def test_qlora_needs_quantization_at_the_method_line() -> None:
    start, end = CONTRACT.index("quantization:"), CONTRACT.index("sft:")
    text = CONTRACT[:start] + CONTRACT[end:]
    (message,) = errors(text)
    assert message.startswith(f"config/training.yaml:{line_of(text, 'method: qlora')}:3: peft.method:")
    assert "qlora needs a `quantization:` section" in message


def test_quantization_only_with_qlora() -> None:
    text = CONTRACT.replace("method: qlora", "method: lora")
    (message,) = errors(text)
    assert message.startswith(f"config/training.yaml:{line_of(text, 'quantization:')}:1: quantization:")


def test_approach_needs_its_section() -> None:
    text = CONTRACT.replace("approach: sft", "approach: sft+dpo").replace("dpo_train: null", "dpo_train: d.jsonl")
    (message,) = errors(text)
    assert f":{line_of(text, 'approach:')}:" in message and "needs a `dpo:` section" in message


def test_section_without_its_approach() -> None:
    text = CONTRACT.replace("monitoring:", DPO + "monitoring:")
    (message,) = errors(text)
    assert f":{line_of(text, 'dpo:')}:1: dpo:" in message


def test_dpo_needs_preference_data() -> None:
    text = CONTRACT.replace("approach: sft", "approach: sft+dpo").replace("monitoring:", DPO + "monitoring:")
    (message,) = errors(text)
    assert "data.dpo_train is not set" in message and f":{line_of(text, 'data:')}:" in message


def test_lora_needs_rank_and_modules_but_full_does_not() -> None:
    lora = CONTRACT.replace("  r: 16\n", "")
    assert any("method qlora needs `r`" in m for m in errors(lora))
    start, end = CONTRACT.index("quantization:"), CONTRACT.index("sft:")
    full = (CONTRACT[:start] + CONTRACT[end:]).replace("method: qlora", "method: full")
    full = full.replace("  r: 16\n", "").replace("  target_modules: [q_proj, k_proj, v_proj, o_proj]\n", "")
    assert load(full).peft.r is None


def test_typos_and_types_are_reported_with_a_fix() -> None:
    text = CONTRACT.replace("lora_dropout:", "lora_droput:").replace("learning_rate: 2.0e-4", 'learning_rate: "2e-4"')
    found = errors(text)
    assert any("unknown key 'lora_droput'. did you mean 'lora_dropout'?" in m for m in found)
    assert any(m.startswith(f"config/training.yaml:{line_of(text, 'learning_rate')}:") and "number" in m
               for m in found)


def test_json_schema_has_descriptions() -> None:
    schema = Training.model_json_schema()
    assert "peft" in schema["required"] and "description" in schema["$defs"]["Peft"]["properties"]["r"]


REAL = """\
peft:
  method: qlora
  r: 16
  lora_alpha: 32
  bias: none
  task_type: CAUSAL_LM
  target_modules: all-linear
sft:
  learning_rate: 2.0e-4
  num_train_epochs: 3
  per_device_train_batch_size: 4
  save_strategy: steps
  save_total_limit: 2
  report_to: none
  assistant_only_loss: true
"""


def with_sections(extra: str) -> str:
    """CONTRACT with its peft: and sft: sections replaced by ``extra``'s."""
    head = CONTRACT.split("peft:")[0]
    tail = "quantization:" + CONTRACT.split("quantization:")[1].split("sft:")[0]
    rest = "monitoring:" + CONTRACT.split("monitoring:")[1]
    return head + extra + tail + rest


def test_library_fields_are_accepted_and_passed_on() -> None:
    spec = load(with_sections(REAL))
    assert spec.peft.library_extras == {"bias": "none", "task_type": "CAUSAL_LM"}
    assert spec.sft is not None
    assert spec.sft.library_extras == {"save_strategy": "steps", "save_total_limit": 2, "report_to": "none"}
    assert spec.sft.assistant_only_loss is True  # an ftspec key of its own (TRL's name), on by default for chat


def test_a_key_in_the_wrong_section_says_where_it_belongs() -> None:
    text = with_sections(REAL.replace("sft:\n", "sft:\n  beta: 0.1\n")) + "learning_rate: 1.0e-4\n"
    found = errors(text)
    assert any("learning_rate: unknown key 'learning_rate'. 'learning_rate' belongs under dpo: or sft:" in m
               for m in found)
    assert any("sft.beta: unknown key 'beta'. 'beta' belongs under dpo:" in m for m in found)
    assert not any("did you mean 'learning_rate'" in m or "did you mean 'beta'" in m for m in found)


def test_every_unknown_key_is_reported_with_did_you_mean() -> None:
    found = errors(with_sections(REAL.replace("  bias: none", "  biass: none").replace("report_to", "reportto")))
    assert any("peft.biass: unknown key 'biass'. did you mean 'bias'?" in m for m in found)
    assert any("sft.reportto: unknown key 'reportto'. did you mean 'report_to'?" in m for m in found)


def test_json_schema_lists_library_keys_for_editors() -> None:
    props = Training.model_json_schema()["$defs"]["SftArgs"]["properties"]
    assert {"save_strategy", "assistant_only_loss", "packing"} <= set(props) and "library_args" not in props



def test_a_library_args_key_is_refused_not_replaced() -> None:
    """A section's library keys are gathered under an internal name; a `library_args:` the user wrote was replaced
    by them without a word, and its settings lost. It is an unknown key now, and its fix keeps the settings."""
    written = CONTRACT.replace("sft:\n", "sft:\n  library_args: {neftune_noise_alpha: 5}\n")
    assert errors(written) == [
        f"config/training.yaml:{line_of(written, 'library_args')}:3: sft.library_args: unknown key 'library_args'. "
        "write its keys directly in this section (ftspec passes a library's keys to it as written)"
    ]
    fixed = CONTRACT.replace("sft:\n", "sft:\n  neftune_noise_alpha: 5\n")
    assert load(fixed).sft.library_extras["neftune_noise_alpha"] == 5
