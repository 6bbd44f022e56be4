"""config/training.yaml: the machine-readable training spec; keys named as in peft, transformers and trl."""

from __future__ import annotations

import difflib
import functools
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from ftspec.models import library_fields as lib
from ftspec.models.base import RuleError, Strict, field_vocabulary
from ftspec.models.library_check import accepted_keys, verdict

Approach = Literal["sft", "dpo", "sft+dpo"]
PeftMethod = Literal["full", "lora", "qlora"]


LIBRARY_ARGS = " library_args"  # the key the section's library keys are gathered under (see LibrarySection)


class LibrarySection(Strict):
    """A section that also accepts every field of the library config it mirrors (values go to it unchanged).

    The library field lists are generated (ftspec.models.library_fields), so a spec that uses only listed keys is
    checked without importing the libraries. A key missing from the lists is decided by the installed library
    (ftspec.models.library_check): unknown (did-you-mean, or the section it belongs in) when it is the version
    the lists were made from, checked against its config class when it is another version, accepted and listed
    as unchecked when it is not installed (unless the spec knows it from another section or it is a near-miss of
    a known key: those stay errors).
    """

    model_config = ConfigDict(json_schema_extra=lambda schema, cls: _library_properties(schema, cls))
    library: ClassVar[str] = ""
    # Filled by gather_library_args under a name no YAML key takes: a `library_args:` the user writes is an
    # unknown key (it used to be replaced without a word, and its settings lost).
    library_args: SkipJsonSchema[dict[str, Any]] = Field(
        default_factory=dict, exclude=True, validation_alias=LIBRARY_ARGS
    )

    @classmethod
    def library_keys(cls) -> frozenset[str]:
        """Keys of the mirrored library config(s) this section accepts beyond its own fields."""
        return _library_keys(cls.library, frozenset(cls.model_fields))

    @model_validator(mode="before")
    @classmethod
    def gather_library_args(cls, value: Any) -> Any:
        """Library keys go to `library_args` (passed to the library as written); the rest is validated here."""
        if not isinstance(value, dict):
            return value
        taken = {k for k in value if k != LIBRARY_ARGS and cls._library_key(str(k))}
        out = {k: v for k, v in value.items() if k not in taken}
        out[LIBRARY_ARGS] = {k: v for k, v in value.items() if k in taken}
        return out

    @classmethod
    def _library_key(cls, key: str) -> bool:
        if key in cls.model_fields:
            return False
        if key in cls.library_keys():
            return True
        found = verdict(cls.library, key)  # only for unlisted keys: the normal path reads no library metadata
        if not found.unchecked:
            return found.accepted
        # Unchecked, a key the spec knows from another section is still told where it belongs, and a near-miss of
        # a known key is still a typo (did-you-mean): the lists come from a real release, whose fields a new
        # release keeps, so a key spelt almost like one of them is far likelier a slip than a new field.
        return not _known_or_near(key)

    @property
    def library_extras(self) -> dict[str, Any]:
        """The library keys written in this section beyond its own fields, for the library config."""
        return dict(self.library_args)

    def unchecked_keys(self) -> dict[tuple[str, str], list[str]]:
        """(why unchecked, how to check) -> the keys accepted without a check (their library is not installed)."""
        listed = self.library_keys()
        out: dict[tuple[str, str], list[str]] = {}
        for key in self.library_args:
            if key not in listed:
                found = verdict(self.library, key)
                if found.unchecked:
                    out.setdefault((found.unchecked, found.fix), []).append(key)
        return out


NEAR_MISS = 0.85  # difflib ratio: lora_droput / lora_dropout is 0.96, use_rslora / use_dora 0.78


@functools.cache
def _spec_vocabulary() -> tuple[str, ...]:
    """Every key the training spec knows in some section (its own fields and the listed library keys)."""
    return tuple(sorted(field_vocabulary(Training)))


def _known_or_near(key: str) -> bool:
    vocab = _spec_vocabulary()
    return key in vocab or bool(difflib.get_close_matches(key, vocab, n=1, cutoff=NEAR_MISS))


@functools.cache
def _library_keys(names: str, own: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*(getattr(lib, name) for name in names.split())) - own


def _library_properties(schema: dict[str, Any], cls: Any) -> None:
    """The JSON Schema accepts what the model accepts here: the listed library keys (an editor accepts
    `save_strategy` under `sft:`), the fields of an installed library of another version, and any key when a
    library is not installed (such keys are accepted unchecked)."""
    sources = ", ".join(lib.SOURCES[name] for name in cls.library.split())
    properties = schema.setdefault("properties", {})
    for key in sorted(cls.library_keys()):
        properties.setdefault(key, {"description": f"passed unchanged to the library ({sources})"})
    added, unchecked = accepted_keys(cls.library)
    for key in sorted(added - set(cls.model_fields)):
        properties.setdefault(key, {"description": "passed unchanged to the library (the installed version)"})
    if unchecked:
        schema["additionalProperties"] = {"description": f"not checked: {'; '.join(unchecked)}; other keys are "
                                                         "accepted unchecked and passed to the library"}
        # As the model: a key of another section stays an error (a near-miss too, which JSON Schema cannot say).
        schema["propertyNames"] = {"not": {"enum": sorted(set(_spec_vocabulary()) - set(properties))}}


class Peft(LibrarySection):
    """Parameter-efficient fine-tuning, as peft.LoraConfig names it (method `full` trains every weight)."""

    library: ClassVar[str] = "LORA_CONFIG"

    method: PeftMethod = Field(description="full | lora | qlora (LoRA on a 4-bit quantized base).")
    r: int | None = Field(None, gt=0, description="LoRA rank; 4-16 to start, up to 256.")
    lora_alpha: int | float | None = Field(None, gt=0, description="LoRA scaling; 2 x r is the usual heuristic.")
    lora_dropout: float = Field(0.0, ge=0, le=1, description="Dropout on the LoRA layers; 0-0.1.")
    target_modules: list[str] | str | None = Field(
        None, description="Modules to adapt: q/k/v/o_proj (attention), gate/up/down_proj (MLP), or all-linear."
    )

    @model_validator(mode="after")
    def check_lora_settings(self) -> Peft:
        if self.method == "full":
            return self
        for key in ("r", "target_modules"):
            if getattr(self, key) is None:
                raise RuleError(("method",), f"method {self.method} needs `{key}`")
        return self


class Quantization(LibrarySection):
    """bitsandbytes quantization of the base model (transformers.BitsAndBytesConfig names); QLoRA only."""

    library: ClassVar[str] = "BNB_CONFIG"

    load_in_4bit: bool = True
    bnb_4bit_quant_type: Literal["nf4", "fp4"] = "nf4"
    bnb_4bit_use_double_quant: bool = False
    bnb_4bit_compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"


class StageArgs(LibrarySection):
    """Hyperparameters shared by SFT and DPO (TrainingArguments names)."""

    library: ClassVar[str] = "TRAINING_ARGUMENTS"

    learning_rate: float = Field(gt=0)
    num_train_epochs: int | float = Field(gt=0)
    per_device_train_batch_size: int = Field(gt=0)
    gradient_accumulation_steps: int = Field(1, gt=0)
    warmup_ratio: float = Field(0.0, ge=0, le=1, description="Share of steps spent warming up; 3-10%.")
    weight_decay: float = Field(0.0, ge=0)
    lr_scheduler_type: str = "linear"
    max_length: int = Field(1024, gt=0, description="Longest tokenized example; fits the context and token budget.")
    gradient_checkpointing: bool = False
    optim: str = "adamw_torch"
    bf16: bool | None = None

    @property
    def effective_batch_size(self) -> int:
        """Examples per optimizer step on one device."""
        return self.per_device_train_batch_size * self.gradient_accumulation_steps


class SftArgs(StageArgs):
    """Supervised fine-tuning (trl.SFTConfig names)."""

    library: ClassVar[str] = "TRAINING_ARGUMENTS SFT_CONFIG"

    packing: bool = False
    assistant_only_loss: bool = Field(
        True,
        description="Loss on the assistant's tokens only (system and user tokens masked); needs a chat template "
        "with {% generation %} markers. trl's default is false; ours is true for chat data.",
    )


class DpoArgs(StageArgs):
    """Direct preference optimisation (trl.DPOConfig names); the base model is the reference."""

    library: ClassVar[str] = "TRAINING_ARGUMENTS DPO_CONFIG"

    beta: float = Field(0.1, gt=0, description="Strength of the pull towards the reference model; 0.1-0.5.")


class EarlyStopping(Strict):
    """transformers.EarlyStoppingCallback on an eval metric."""

    enabled: bool = True
    patience: int = Field(3, gt=0, description="Evaluations without improvement before stopping.")
    metric: str = "eval_loss"


class Monitoring(Strict):
    """Logging, evaluation and checkpoint cadence, in optimizer steps."""

    logging_steps: int = Field(10, gt=0)
    eval_steps: int | None = Field(None, gt=0)
    save_steps: int | None = Field(None, gt=0)
    early_stopping: EarlyStopping | None = None


class TrainingData(Strict):
    """Where the pipeline's split stage writes the datasets training reads."""

    train: str | None = Field("data/train.jsonl", description="SFT train set (JSONL, Parquet, CSV or dataset dir), "
                              "or a hub dataset id (org/name: not downloaded, data gates skipped).")
    eval: str | None = Field(None, description="SFT eval set; none unless declared.")
    dpo_train: str | None = Field(None, description="DPO preference pairs (prompt/chosen/rejected).")
    dpo_eval: str | None = None
    format: Literal["messages", "prompt-completion"] = "messages"
    tokenizer: str | None = Field(None, description="Local tokenizer path for exact token counts.")


class Training(Strict):
    """config/training.yaml."""

    base_model: str = Field(min_length=1, description="Hub id or local path; the model of model-choice.md.")
    approach: Approach = Field(description="sft | dpo | sft+dpo.")
    seed: int = 42
    output_dir: str = "models/adapter"
    peft: Peft
    quantization: Quantization | None = Field(None, description="Required when peft.method is qlora.")
    sft: SftArgs | None = Field(None, description="Present when the approach includes SFT.")
    dpo: DpoArgs | None = Field(None, description="Present when the approach includes DPO.")
    monitoring: Monitoring = Field(default_factory=lambda: Monitoring.model_validate({}))
    data: TrainingData = Field(default_factory=lambda: TrainingData.model_validate({}))

    @property
    def stages(self) -> dict[str, StageArgs]:
        """The stage sections the approach uses, in training order."""
        found = {"sft": self.sft, "dpo": self.dpo}
        return {name: args for name, args in found.items() if args is not None and name in self.approach}

    @model_validator(mode="after")
    def check_approach_sections(self) -> Training:
        for stage in ("sft", "dpo"):
            uses, present = stage in self.approach, getattr(self, stage) is not None
            if uses and not present:
                raise RuleError(("approach",), f"approach {self.approach} needs a `{stage}:` section")
            if present and not uses:
                raise RuleError((stage,), f"a `{stage}:` section but approach is {self.approach}")
        return self

    @model_validator(mode="after")
    def check_qlora_quantization(self) -> Training:
        if self.peft.method == "qlora" and self.quantization is None:
            raise RuleError(("peft", "method"), "qlora needs a `quantization:` section (4-bit nf4)")
        if self.peft.method != "qlora" and self.quantization is not None:
            raise RuleError(("quantization",), f"quantization is set but peft.method is {self.peft.method}")
        return self

    @model_validator(mode="after")
    def check_data_for_approach(self) -> Training:
        if "sft" in self.approach and not self.data.train:
            raise RuleError(("data",), "approach includes sft but data.train is not set")
        if "dpo" in self.approach and not self.data.dpo_train:
            raise RuleError(("data",), "approach includes dpo but data.dpo_train is not set")
        return self

