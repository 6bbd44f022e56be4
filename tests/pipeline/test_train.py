"""Training as users need it: assistant-only loss on chat data, QLoRA on the CPU, honest run figures."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.models.training import Training
from ftspec.pipeline.common import load_spec, write_jsonl
from ftspec.pipeline.train_args import common_args, lora_config, sft_args, warmup_args

SYSTEM = "You are a career coach."
CHAT = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "I feel stuck at work."},
    {"role": "assistant", "content": "What would a good next step look like?"},
    {"role": "user", "content": "Changing jobs, maybe."},
    {"role": "assistant", "content": "Tell me more about the interview."},
]


def _spec(tiny: Path, **sft: Any) -> Training:
    return Training.model_validate(
        {
            "base_model": str(tiny),
            "approach": "sft",
            "peft": {"method": "lora", "r": 4, "target_modules": ["q_proj"]},
            "sft": {"learning_rate": 1e-3, "num_train_epochs": 1, "per_device_train_batch_size": 2, **sft},
        }
    )


def test_assistant_only_loss_is_on_by_default_under_trls_name() -> None:
    t = Training.model_validate(
        {
            "base_model": "m",
            "approach": "sft",
            "peft": {"method": "full"},
            "sft": {"learning_rate": 1e-4, "num_train_epochs": 1, "per_device_train_batch_size": 1},
        }
    )
    assert sft_args(t)["assistant_only_loss"] is True
    off = t.model_copy(update={"sft": t.sft.model_copy(update={"assistant_only_loss": False})})  # type: ignore[union-attr]
    assert sft_args(off)["assistant_only_loss"] is False


def test_system_and_user_tokens_carry_label_minus_100(tiny_model: Path, tmp_path: Path) -> None:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    t = _spec(tiny_model)
    tok = AutoTokenizer.from_pretrained(tiny_model)
    args = SFTConfig(**common_args(t, t.sft, tmp_path, 1, False, False), **sft_args(t))
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model),
        args=args,
        train_dataset=Dataset.from_list([{"messages": CHAT}]),
        processing_class=tok,
        peft_config=lora_config(t),
    )
    batch = trainer.data_collator([trainer.train_dataset[0]])
    ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    trained = tok.decode([i for i, label in zip(ids, labels, strict=True) if label != -100])
    masked = tok.decode([i for i, label in zip(ids, labels, strict=True) if label == -100])
    assert trained == "What would a good next step look like?<|end|>Tell me more about the interview.<|end|>"
    for text in (SYSTEM, "I feel stuck at work.", "Changing jobs, maybe.", "<|user|>", "<|system|>"):
        assert text in masked and text not in trained


def test_warmup_ratio_is_passed_as_a_ratio(tiny_model: Path, tmp_path: Path) -> None:
    from transformers import TrainingArguments

    for ratio, steps in ((0.0, 0), (0.05, 2), (0.5, 20), (1.0, 40)):
        t = _spec(tiny_model, warmup_ratio=ratio)
        kwargs = common_args(t, t.sft, tmp_path, 40, False, False)
        kwargs.pop("max_length")
        assert TrainingArguments(**kwargs).get_warmup_steps(40) == steps, ratio
    assert warmup_args(0.1, {"warmup_ratio"}) == {"warmup_ratio": 0.1}  # transformers 4.x spelling
    assert math.ceil(10**6 * warmup_args(1.0, set())["warmup_steps"]) == 10**6


def test_no_deprecated_trainer_arguments(tiny_model: Path, tmp_path: Path) -> None:
    import warnings

    from trl import SFTConfig

    t = _spec(tiny_model, gradient_checkpointing=True, warmup_ratio=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        args = SFTConfig(**common_args(t, t.sft, tmp_path, 4, False, False), **sft_args(t))
    assert args.gradient_checkpointing is True and args.assistant_only_loss is True


QLORA = {
    "peft": {"method": "qlora", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]},
    "quantization": {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_compute_dtype": "float32"},
    "sft": {
        "learning_rate": 1.0e-2,
        "num_train_epochs": 1,
        "per_device_train_batch_size": 4,
        "max_length": 256,
        "optim": "adamw_torch",
    },
    "monitoring": {"logging_steps": 1, "save_steps": 6, "eval_steps": 6, "early_stopping": {"enabled": False}},
}


@pytest.mark.slow
def test_qlora_trains_on_the_cpu_saves_reloads_generates_and_merges(work: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from ftspec.pipeline import train

    tiny = yaml.safe_load(Path("tiny.yaml").read_text())
    tiny["training"].update(QLORA)
    tiny["manifest"]["pipeline"]["train"]["max_steps"] = 6
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))
    write_jsonl(Path("data/train.jsonl"), [{"id": f"c{i}", "messages": CHAT} for i in range(8)])
    Path("data/eval.jsonl").unlink(missing_ok=True)
    spec = load_spec(Path("project"), Path("tiny.yaml"))
    with pytest.warns(UserWarning, match="qlora on a CPU.*for tests"):
        assert train.run(spec, Path("models/adapter"), Path("plots"), Path("data"), Path("m/train.json")) == 0

    losses = [row["loss"] for row in json.loads(Path("plots/train_loss.json").read_text())]
    assert len(losses) == 6 and losses[-1] < losses[0] - 0.1  # the same batch each step: a clear fall
    # metrics/train.json holds the trainer's own final figures, not a sum over log rows.
    log = json.loads(Path("models/adapter.checkpoints/sft/trainer_state.final.json").read_text())
    final = log["log_history"][-1]
    figures = json.loads(Path("m/train.json").read_text())
    assert figures["train_runtime"] == round(final["train_runtime"], 3)
    assert figures["tokens_seen"] == log["num_input_tokens_seen"] > 0
    assert figures["tokens_per_second"] == round(log["num_input_tokens_seen"] / final["train_runtime"], 2)
    assert figures["steps"] == 6

    # The adapter reloads onto a freshly quantized base and generates.
    base, tok = train.load_base(spec.training, cuda=False)
    assert any(type(m).__name__ == "Linear4bit" for m in base.modules())
    model = PeftModel.from_pretrained(base, "models/adapter")
    prompt = tok.apply_chat_template(CHAT[:2], add_generation_prompt=True, return_tensors="pt", return_dict=True)
    generated = model.generate(**prompt, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] == prompt["input_ids"].shape[1] + 4

    # Merging onto the full-precision base gives the adapter's outputs in a plain model.
    full = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(spec.training.base_model), "models/adapter")
    with torch.no_grad():
        adapted = full(**prompt).logits
        merged = full.merge_and_unload()
        assert not any(type(m).__name__.startswith("Lora") for m in merged.modules())
        assert torch.allclose(merged(**prompt).logits, adapted, atol=1e-4)
        plain = AutoModelForCausalLM.from_pretrained(spec.training.base_model)(**prompt).logits
        assert not torch.allclose(plain, adapted, atol=1e-3)  # the adapter learned something
