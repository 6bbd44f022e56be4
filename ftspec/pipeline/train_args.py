"""What config/training.yaml becomes for transformers, peft and trl: checks, LoraConfig, trainer arguments.

Only the attributes of the shared training contract are relied on; keys that not every version of the spec has
(bf16, optim, gradient_checkpointing on DPO) are read with getattr and sensible defaults.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ftspec.errors import StageError
from ftspec.models.training import Training


def check_config(t: Training, cuda: bool) -> None:
    """Refuse what cannot run here, before any model is loaded; warn that a CPU QLoRA run is for tests only."""
    if t.peft.method == "qlora" and t.quantization is None:
        raise StageError("config/training.yaml: peft.method: qlora needs a `quantization:` section. add it")
    if t.peft.method == "qlora" and not cuda:
        import warnings

        warnings.warn(
            "config/training.yaml: peft.method: qlora on a CPU: bitsandbytes runs 4-bit nf4 here, far too slowly for "
            "a real model. this is for tests; train on a CUDA GPU",
            UserWarning,
            stacklevel=2,
        )
    if "sft" in t.approach.split("+") and t.sft is None:
        raise StageError(f"config/training.yaml: approach {t.approach} needs an `sft:` section. add it")
    if "dpo" in t.approach.split("+") and t.dpo is None:
        raise StageError(f"config/training.yaml: approach {t.approach} needs a `dpo:` section. add it")
    m = t.monitoring
    if _early_stopping(t) and m.save_steps and m.eval_steps and m.save_steps % m.eval_steps:
        raise StageError(
            "config/training.yaml: monitoring.save_steps must be a multiple of eval_steps when "
            "early_stopping is enabled (the best checkpoint must have been evaluated)"
        )


def _early_stopping(t: Training) -> bool:
    """Whether the spec turns early stopping on."""
    es = t.monitoring.early_stopping
    return bool(es is not None and es.enabled)


def _bf16(hp: Any, cuda: bool) -> bool:
    """bf16 where the spec asks for it (or does not say) and the GPU supports it; never on a CPU."""
    import torch

    wanted = getattr(hp, "bf16", None)  # not every version of the training spec has the key
    return cuda and torch.cuda.is_bf16_supported() and wanted is not False


def lora_config(t: Training) -> Any:
    """peft's LoraConfig from the spec (None for full fine-tuning); unset keys keep peft's defaults."""
    if t.peft.method == "full":
        return None
    from peft import LoraConfig

    p = t.peft
    targets = p.target_modules
    kwargs = {
        "r": p.r,
        "lora_alpha": p.lora_alpha,
        "target_modules": targets if isinstance(targets, str) else list(targets) if targets else None,
    }
    kwargs = {"task_type": "CAUSAL_LM", **{k: v for k, v in kwargs.items() if v is not None},
              **getattr(p, "library_extras", {})}  # any other LoraConfig field the spec sets (bias, use_rslora...)
    return LoraConfig(lora_dropout=p.lora_dropout, **kwargs)


def _argument_names() -> set[str]:
    from dataclasses import fields

    from transformers import TrainingArguments

    return {f.name for f in fields(TrainingArguments)}


def warmup_args(ratio: float, names: set[str]) -> dict[str, float]:
    """The spec's warmup_ratio as this transformers version takes a ratio.

    transformers 5 folds warmup_ratio into warmup_steps: a float below 1 is a ratio, 1 or more a step count. A
    ratio of 1.0 would become one step, so it is passed as the largest float below 1, which still warms up over
    every step (ceil(n x 0.999...) = n for any realistic n).
    """
    if "warmup_ratio" in names:
        return {"warmup_ratio": ratio}
    return {"warmup_steps": min(ratio, math.nextafter(1.0, 0.0))}


def checkpointing_args(on: bool, names: set[str]) -> dict[str, bool]:
    """Activation (gradient) checkpointing under the name this transformers version does not deprecate."""
    return {"activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing": on}


def common_args(t: Training, hp: Any, out: Path, max_steps: int, cuda: bool, has_eval: bool) -> dict[str, Any]:
    """TrainingArguments shared by SFTConfig and DPOConfig; trainer fields the spec sets beyond ftspec's own keys
    (save_total_limit, report_to, ...) are passed on and win over the defaults here."""
    return {**_run_args(t, hp, out, max_steps, cuda, has_eval), **getattr(hp, "library_extras", {})}


def _run_args(t: Training, hp: Any, out: Path, max_steps: int, cuda: bool, has_eval: bool) -> dict[str, Any]:
    m = t.monitoring
    es = _early_stopping(t) and has_eval
    metric = m.early_stopping.metric if m.early_stopping is not None else "eval_loss"
    names = _argument_names()
    return dict(
        output_dir=str(out),
        learning_rate=hp.learning_rate,
        num_train_epochs=hp.num_train_epochs,
        per_device_train_batch_size=hp.per_device_train_batch_size,
        gradient_accumulation_steps=hp.gradient_accumulation_steps,
        **warmup_args(hp.warmup_ratio, names),
        weight_decay=hp.weight_decay,
        max_length=hp.max_length,
        seed=t.seed,
        max_steps=max_steps,
        logging_steps=m.logging_steps,
        save_steps=m.save_steps or 500,
        save_strategy="steps",
        eval_strategy="steps" if has_eval else "no",
        eval_steps=(m.eval_steps or m.save_steps or 500) if has_eval else None,
        load_best_model_at_end=es,
        metric_for_best_model=metric if es else None,
        greater_is_better=False if es else None,
        save_total_limit=3,
        bf16=_bf16(hp, cuda),
        **checkpointing_args(bool(getattr(hp, "gradient_checkpointing", False)), names),
        optim=getattr(hp, "optim", "adamw_torch"),
        lr_scheduler_type=getattr(hp, "lr_scheduler_type", "linear"),
        report_to="none",
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=False,
    )


def sft_args(t: Training) -> dict[str, Any]:
    """SFTConfig's own keys: loss on the assistant's turns only for chat data (trl's assistant_only_loss)."""
    assert t.sft is not None
    chat = t.data.format == "messages"
    return {"packing": t.sft.packing, "assistant_only_loss": bool(t.sft.assistant_only_loss and chat)}


def callbacks(t: Training, has_eval: bool) -> list[Any]:
    """EarlyStoppingCallback when the spec asks for it and there is an eval set to watch."""
    es = t.monitoring.early_stopping
    if es is None or not (es.enabled and has_eval):
        return []
    from transformers import EarlyStoppingCallback

    return [EarlyStoppingCallback(early_stopping_patience=es.patience)]
