"""config/training.yaml: base model, approach, PEFT, quantization, SFT/DPO hyperparameters, monitoring, data.

Stand-in written by the pipeline branch following the shared contract exactly; the training helper's module
replaces it at merge. Keys follow peft / transformers / trl names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ftspec.models.base import Strict


class Peft(Strict):
    """PEFT method and LoRA settings (peft.LoraConfig names)."""

    method: Literal["full", "lora", "qlora"] = "lora"
    r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0, le=1)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


class Quantization(Strict):
    """bitsandbytes 4-bit settings (BitsAndBytesConfig names); required for QLoRA."""

    load_in_4bit: bool = True
    bnb_4bit_quant_type: Literal["nf4", "fp4"] = "nf4"
    bnb_4bit_use_double_quant: bool = True
    bnb_4bit_compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"


class Sft(Strict):
    """SFT hyperparameters (TrainingArguments / SFTConfig names)."""

    learning_rate: float = 2.0e-4
    num_train_epochs: float = 3
    per_device_train_batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(4, ge=1)
    warmup_ratio: float = Field(0.05, ge=0, le=1)
    weight_decay: float = Field(0.01, ge=0)
    lr_scheduler_type: str = "cosine"
    max_length: int = Field(8192, ge=1)
    packing: bool = False
    gradient_checkpointing: bool = True
    optim: str = "adamw_torch"


class Dpo(Strict):
    """DPO hyperparameters (DPOConfig names)."""

    learning_rate: float = 5.0e-6
    num_train_epochs: float = 1
    per_device_train_batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(4, ge=1)
    warmup_ratio: float = Field(0.1, ge=0, le=1)
    weight_decay: float = Field(0.0, ge=0)
    beta: float = Field(0.1, gt=0)
    max_length: int = Field(8192, ge=1)


class EarlyStopping(Strict):
    """Stop when the metric has not improved for `patience` evaluations."""

    enabled: bool = False
    patience: int = Field(3, ge=1)
    metric: str = "eval_loss"


class Monitoring(Strict):
    """Logging, evaluation and checkpoint cadence."""

    logging_steps: int = Field(10, ge=1)
    eval_steps: int = Field(100, ge=1)
    save_steps: int = Field(500, ge=1)
    early_stopping: EarlyStopping = Field(default_factory=EarlyStopping)


class Data(Strict):
    """Where the training data lives and its format."""

    train: str = "data/train.jsonl"
    eval: str | None = "data/eval.jsonl"
    dpo_train: str | None = None
    dpo_eval: str | None = None
    format: Literal["messages", "prompt-completion"] = "messages"
    tokenizer: str | None = None


class Training(Strict):
    """config/training.yaml."""

    base_model: str = Field(min_length=1)
    approach: Literal["sft", "dpo", "sft+dpo"] = "sft"
    seed: int = 42
    output_dir: str = "models/adapter"
    peft: Peft = Field(default_factory=Peft)
    quantization: Quantization | None = None
    sft: Sft | None = None
    dpo: Dpo | None = None
    monitoring: Monitoring = Field(default_factory=Monitoring)
    data: Data = Field(default_factory=Data)
