"""config/training.yaml: base model, approach, PEFT, hyperparameters, monitoring and data.

MINIMAL STAND-IN written by the data-gates branch so the data gates run; the training helper's full model
(with ranges and cross-field checks) replaces it at merge. Only the shared contract's names are used here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ftspec.models.base import Strict


class Peft(Strict):
    """PEFT settings, named as in peft.LoraConfig."""

    method: Literal["full", "lora", "qlora"] = "lora"
    r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


class Quantization(Strict):
    """bitsandbytes 4-bit settings (QLoRA)."""

    load_in_4bit: bool = True
    bnb_4bit_quant_type: str = "nf4"
    bnb_4bit_use_double_quant: bool = True
    bnb_4bit_compute_dtype: str = "bfloat16"


class Stage(Strict):
    """Trainer arguments shared by SFT and DPO (TrainingArguments names)."""

    learning_rate: float = 2.0e-4
    num_train_epochs: float = 3
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 1
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    lr_scheduler_type: str = "linear"
    max_length: int = Field(1024, gt=0, description="Longest training example in tokens.")
    gradient_checkpointing: bool = False
    optim: str = "adamw_torch"


class SFT(Stage):
    """SFTConfig names."""

    packing: bool = False


class DPO(Stage):
    """DPOConfig names."""

    beta: float = 0.1


class EarlyStopping(Strict):
    enabled: bool = False
    patience: int = 3
    metric: str = "eval_loss"


class Monitoring(Strict):
    logging_steps: int = 10
    eval_steps: int = 100
    save_steps: int = 500
    early_stopping: EarlyStopping = Field(default_factory=EarlyStopping)


class DataPaths(Strict):
    """Where the training data lives (project-relative); files may not exist until the pipeline runs."""

    train: str | None = "data/train.jsonl"
    eval: str | None = "data/eval.jsonl"
    dpo_train: str | None = None
    dpo_eval: str | None = None
    format: Literal["messages", "prompt-completion"] = "messages"
    tokenizer: str | None = Field(None, description="Local tokenizer path for exact token counts.")


class Training(Strict):
    """config/training.yaml."""

    base_model: str = Field(min_length=1)
    approach: Literal["sft", "dpo", "sft+dpo"] = "sft"
    seed: int = 42
    output_dir: str = "models/adapter"
    peft: Peft = Field(default_factory=Peft)
    quantization: Quantization | None = None
    sft: SFT | None = None
    dpo: DPO | None = None
    monitoring: Monitoring = Field(default_factory=Monitoring)
    data: DataPaths = Field(default_factory=DataPaths)  # type: ignore[arg-type]
