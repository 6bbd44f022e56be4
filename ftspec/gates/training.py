"""Training-spec gates over config/training.yaml: PEFT, hyperparameter ranges, quantization, lengths, monitoring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.registry import gate
from ftspec.models.training import Training
from ftspec.results import Finding

SOURCE = "methodology.md section 2 (the training step)"
# Ranges per approach; a manifest setting replaces single entries, e.g. `sft: {learning_rate: [1.0e-5, 3.0e-4]}`.
SFT_RANGES: dict[str, list[float]] = {
    "learning_rate": [1e-5, 2e-4], "num_train_epochs": [1, 5], "batch_size": [4, 32],
    "warmup_ratio": [0.03, 0.10], "weight_decay": [0.0, 0.1],
}
DPO_RANGES: dict[str, list[float]] = {
    "learning_rate": [1e-6, 5e-5], "num_train_epochs": [1, 3], "batch_size": [4, 16],
    "warmup_ratio": [0.03, 0.10], "weight_decay": [0.0, 0.1], "beta": [0.1, 0.5],
}
EPSILON = 1e-12


def training(ctx: GateContext) -> Training:
    """The training config, or NotApplicable in a rag-only project that has none."""
    if ctx.project.manifest.architecture == "rag-only" and not ctx.project.exists("training"):
        raise NotApplicable("rag-only project: no training step")
    value: Training = ctx.value("training")
    return value


def outside(value: float, bounds: list[float]) -> bool:
    low, high = float(bounds[0]), float(bounds[1])
    return value < low * (1 - 1e-9) - EPSILON or value > high * (1 + 1e-9) + EPSILON


def span(bounds: list[float]) -> str:
    return f"{bounds[0]:g}-{bounds[1]:g}"


_DEFAULT_PEFT: dict[str, list[float]] = {"r": [4, 256], "lora_dropout": [0.0, 0.1]}


@gate("training.peft", phase="training", needs=("training",), r=_DEFAULT_PEFT["r"],
      lora_dropout=_DEFAULT_PEFT["lora_dropout"],
      alpha_ratio=2.0, source=SOURCE + ": LoRA rank 4-16 to start, up to 256; alpha = 2 x r; dropout 0-0.1")
def peft(ctx: GateContext) -> Iterator[Finding]:
    """LoRA rank 4-256, dropout 0-0.1 and target modules set; warns when lora_alpha is not 2 x r."""
    cfg = training(ctx).peft
    if cfg.method == "full":
        raise NotApplicable("full fine-tuning: no LoRA settings")
    bad = [key for key in ("r", "lora_dropout") if not is_range(ctx.params[key])]
    for key in bad:
        yield ctx.finding("manifest", ["gates", "training.peft", key], f"range {key} must be [low, high]",
                          f"e.g. {key}: {_DEFAULT_PEFT[key]}")
    if bad:
        return
    if cfg.r is not None and outside(cfg.r, ctx.params["r"]):
        yield ctx.finding("training", ["peft", "r"], f"r {cfg.r} is outside {span(ctx.params['r'])}",
                          "start at 8-16; go up to 64 for harder tasks")
    ratio = float(ctx.params["alpha_ratio"])
    if cfg.r is not None and cfg.lora_alpha is not None and abs(cfg.lora_alpha - ratio * cfg.r) > EPSILON:
        yield ctx.finding("training", ["peft", "lora_alpha"], f"lora_alpha {cfg.lora_alpha:g} is not {ratio:g} x r "
                          f"({ratio * cfg.r:g})", f"the usual heuristic is lora_alpha: {ratio * cfg.r:g}", "warning")
    if outside(cfg.lora_dropout, ctx.params["lora_dropout"]):
        yield ctx.finding("training", ["peft", "lora_dropout"], f"lora_dropout {cfg.lora_dropout:g} is outside "
                          f"{span(ctx.params['lora_dropout'])}", "use 0.05 (0 for very small datasets is fine)")
    if not cfg.target_modules:
        yield ctx.finding("training", ["peft", "target_modules"], "no target modules",
                          "list them: [q_proj, k_proj, v_proj, o_proj] (attention), plus gate/up/down_proj (MLP)")


@gate("training.hyperparameters", phase="training", needs=("training",), sft=SFT_RANGES, dpo=DPO_RANGES,
      source=SOURCE + ": lr SFT 1e-5..2e-4, DPO 1e-6..5e-5; epochs SFT 1-5, DPO 1-3; batch SFT 4-32, DPO 4-16; "
      "warmup 3-10%; weight decay 0-0.1; DPO beta 0.1-0.5")
def hyperparameters(ctx: GateContext) -> Iterator[Finding]:
    """Learning rate, epochs, effective batch size, warmup, weight decay (and DPO beta) fit the approach's ranges."""
    config = training(ctx)
    defaults = {"sft": SFT_RANGES, "dpo": DPO_RANGES}
    for stage in defaults:
        yield from _bad_overrides(ctx, stage, defaults[stage])
    for stage, args in config.stages.items():
        ranges = _ranges(ctx, stage, defaults[stage])
        values = {name: (name, float(getattr(args, name))) for name in ranges if hasattr(args, name)}
        values["batch_size"] = ("per_device_train_batch_size", float(args.effective_batch_size))
        for name, (key, value) in values.items():
            if outside(value, ranges[name]):
                yield ctx.finding("training", [stage, key], _range_message(stage, name, value, ranges[name], args),
                                  f"use {span(ranges[name])} for {stage.upper()}, or set the range in ftspec.yaml "
                                  f"gates.training.hyperparameters.{stage}.{name} with a reason")


def is_range(value: Any) -> bool:
    """[low, high] with low <= high."""
    numbers = isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    return numbers and value[0] <= value[1]


def _overrides(ctx: GateContext, stage: str) -> dict[str, Any]:
    value = ctx.params[stage]
    return dict(value) if isinstance(value, dict) else {}


def _ranges(ctx: GateContext, stage: str, defaults: dict[str, list[float]]) -> dict[str, list[float]]:
    chosen = {k: v for k, v in _overrides(ctx, stage).items() if k in defaults and is_range(v)}
    return {**defaults, **chosen}


def _bad_overrides(ctx: GateContext, stage: str, defaults: dict[str, list[float]]) -> Iterator[Finding]:
    """A misspelt or malformed range in ftspec.yaml would silently fall back to the default: say so."""
    where: list[str | int] = ["gates", "training.hyperparameters", stage]
    if not isinstance(ctx.params[stage], dict):
        yield ctx.finding("manifest", where, f"{stage} must map range names to [low, high]",
                          f"e.g. {stage}: {{learning_rate: [1.0e-5, 2.0e-4]}}")
    for name, bounds in _overrides(ctx, stage).items():
        if name not in defaults:
            yield ctx.finding("manifest", [*where, name], f"unknown {stage} range '{name}'",
                              f"ranges: {', '.join(defaults)}")
        elif not is_range(bounds):
            yield ctx.finding("manifest", [*where, name], f"range {name} must be [low, high]",
                              f"e.g. {name}: {defaults[name]}")


def _range_message(stage: str, name: str, value: float, bounds: list[float], args: Any) -> str:
    if name == "batch_size":
        return (f"effective batch size {value:g} ({args.per_device_train_batch_size} per device x "
                f"{args.gradient_accumulation_steps} accumulation) is outside {span(bounds)} for {stage.upper()}")
    return f"{name} {value:g} is outside {span(bounds)} for {stage.upper()}"


@gate("training.quantization", phase="training", needs=("training",), quant_type="nf4",
      source=SOURCE + ": QLoRA is 4-bit nf4 (double quant, bf16 compute in the reference run)")
def quantization(ctx: GateContext) -> Iterator[Finding]:
    """QLoRA loads the base model in 4-bit nf4."""
    config = training(ctx)
    if config.peft.method != "qlora" or config.quantization is None:
        raise NotApplicable(f"peft.method is {config.peft.method}")
    quant = config.quantization
    if not quant.load_in_4bit:
        yield ctx.finding("training", ["quantization", "load_in_4bit"], "QLoRA without 4-bit loading",
                          "set load_in_4bit: true (or use peft.method: lora)")
    wanted = str(ctx.params["quant_type"])
    if quant.bnb_4bit_quant_type != wanted:
        yield ctx.finding("training", ["quantization", "bnb_4bit_quant_type"], f"bnb_4bit_quant_type "
                          f"{quant.bnb_4bit_quant_type}, QLoRA uses {wanted}", f"set bnb_4bit_quant_type: {wanted}")


@gate("training.max-length", phase="training", needs=("training", "model_choice"),
      source="methodology.md section 1 (token economics) and section 2")
def max_length(ctx: GateContext) -> Iterator[Finding]:
    """Each stage's max_length fits the model's context window and the project's token budget."""
    config = training(ctx)
    limits = _limits(ctx)
    for stage, args in config.stages.items():
        for what, limit in limits:
            if args.max_length > limit:
                yield ctx.finding("training", [stage, "max_length"], f"max_length {args.max_length} is above the "
                                  f"{what} ({limit})", f"set max_length: {limit} or less")


def _limits(ctx: GateContext) -> list[tuple[str, int]]:
    limits: list[tuple[str, int]] = []
    loaded = ctx.project.load("model_choice")
    budget = ctx.project.manifest.token_budget
    if loaded.ok and loaded.value is not None:
        limits.append((f"context window of {loaded.value.model}", loaded.value.context_window))
        if budget is None and loaded.value.max_tokens_per_example:
            limits.append(("token budget in model-choice.md", loaded.value.max_tokens_per_example))
    if budget is not None:
        limits.append(("token budget in ftspec.yaml", budget.max_tokens_per_example))
    return limits


@gate("training.monitoring", phase="training", needs=("training",),
      source=SOURCE + ": log/eval/save steps, early stopping on eval_loss with patience")
def monitoring(ctx: GateContext) -> Iterator[Finding]:
    """Evaluation and checkpoints are scheduled and early stopping watches an eval metric on an eval set."""
    config = training(ctx)
    mon = config.monitoring
    for key in ("eval_steps", "save_steps"):
        if getattr(mon, key) is None:
            yield ctx.finding("training", ["monitoring"], f"monitoring.{key} is not set", f"set {key}, e.g. 100")
    stop = mon.early_stopping
    if stop is None or not stop.enabled:
        yield ctx.finding("training", ["monitoring", "early_stopping"] if stop else ["monitoring"],
                          "early stopping is off",
                          "set early_stopping: {enabled: true, patience: 3, metric: eval_loss}")
    elif mon.eval_steps and mon.save_steps and mon.save_steps % mon.eval_steps:
        # early stopping restores the best checkpoint, so transformers needs saves on evaluation steps
        yield ctx.finding("training", ["monitoring", "save_steps"], f"save_steps {mon.save_steps} is not a multiple "
                          f"of eval_steps {mon.eval_steps}", "make save_steps a multiple of eval_steps")
    eval_sets = {"sft": config.data.eval, "dpo": config.data.dpo_eval}
    for stage in config.stages:
        if not eval_sets[stage]:
            key = "eval" if stage == "sft" else "dpo_eval"
            yield ctx.finding("training", ["data"], f"no data.{key}: {stage.upper()} has nothing to evaluate on",
                              f"set data.{key} (the split stage writes it)")


@gate("training.base-model", phase="training", needs=("training", "model_choice"),
      source="finetune-design step 1 / TRAIN-001: one base model")
def base_model(ctx: GateContext) -> Iterator[Finding]:
    """config/training.yaml trains the model chosen in model-choice.md (a local copy of it counts)."""
    config = training(ctx)
    choice = ctx.project.load("model_choice")
    if not choice.ok or choice.value is None:
        raise NotApplicable("model-choice.md is not valid (see model-choice.schema)")
    chosen: str = choice.value.model
    if not same_model(config.base_model, chosen):
        yield ctx.finding("training", ["base_model"], f"base_model {config.base_model} but model-choice.md chose "
                          f"{chosen}", f"set base_model: {chosen} (or update model-choice.md and TRAIN-001)")


def same_model(a: str, b: str) -> bool:
    """Same hub id (case-insensitive), or one is a local path to a directory named like the other's model."""
    a, b = a.strip().rstrip("/").lower(), b.strip().rstrip("/").lower()
    if a == b:
        return True
    return (_is_local(a) or _is_local(b)) and a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]


def _is_local(model: str) -> bool:
    """A hub id is exactly `org/name`; anything rooted, relative or deeper is a path."""
    return model.startswith((".", "/", "~")) or model.count("/") != 1
