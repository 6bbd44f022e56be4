"""train: LoRA / QLoRA with trl's SFTTrainer and DPOTrainer (sft+dpo: DPO starts from the SFT adapter).

Config is validated and the gates checked before anything heavy is imported. Offline and telemetry off by default.
Multi-GPU: `accelerate launch -m ftspec.pipeline.train --project . ...` (see docs/pipeline.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftspec.errors import StageError
from ftspec.models.training import Training
from ftspec.pipeline.common import (
    Spec,
    load_spec,
    offline_env,
    parser,
    require_gates,
    run_main,
    write_json,
    write_text,
)
from ftspec.pipeline.train_args import callbacks, check_config, common_args, lora_config, sft_args

GATES = ("manifest.", "yaml.", "training.", "data.", "tokens.")


@dataclass(frozen=True)
class Phase:
    """One trainer run (SFT or DPO): the trained model and the trainer's own final figures."""

    model: Any
    tokenizer: Any
    state: Any  # transformers TrainerState: log_history, global_step, num_input_tokens_seen
    metrics: dict[str, Any]  # TrainOutput.metrics: train_runtime etc., for this run (not for a resumed one)
    tokens_before: int  # tokens already seen by the checkpoint this run resumed from


def spec_hash(data: dict[str, Any], max_steps: int) -> str:
    return hashlib.sha256(json.dumps([data, max_steps], sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_base(t: Training, cuda: bool) -> tuple[Any, Any]:
    """The base model (4-bit when QLoRA) and tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

    tokenizer = AutoTokenizer.from_pretrained(t.base_model)
    kwargs: dict[str, Any] = {}
    if t.quantization is not None and t.peft.method == "qlora":
        q = t.quantization
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=q.load_in_4bit,
            bnb_4bit_quant_type=q.bnb_4bit_quant_type,
            bnb_4bit_use_double_quant=q.bnb_4bit_use_double_quant,
            bnb_4bit_compute_dtype=getattr(torch, q.bnb_4bit_compute_dtype),
        )
        kwargs["dtype"] = getattr(torch, q.bnb_4bit_compute_dtype)
    elif cuda and torch.cuda.is_bf16_supported():
        kwargs["dtype"] = torch.bfloat16
    model = AutoModelForCausalLM.from_pretrained(t.base_model, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def load_dataset_file(path: str | None) -> Any:
    if path is None or not Path(path).exists():
        return None
    from datasets import load_dataset

    return load_dataset("json", data_files=path, split="train")


def resume_point(ckpt: Path, stamp: str) -> str | None:
    """The last checkpoint of a run with the same spec; checkpoints of another spec are removed, not resumed."""
    from transformers.trainer_utils import get_last_checkpoint

    marker = ckpt / "ftspec-spec-hash"
    if ckpt.exists() and (not marker.exists() or marker.read_text().strip() != stamp):
        shutil.rmtree(ckpt)
    ckpt.mkdir(parents=True, exist_ok=True)
    marker.write_text(stamp + "\n")
    last: str | None = get_last_checkpoint(str(ckpt))
    if last:
        print(f"train: resuming from {last}")
    return last


def train_sft(t: Training, ckpt: Path, stamp: str, max_steps: int, cuda: bool) -> Phase:
    from trl import SFTConfig, SFTTrainer

    assert t.sft is not None
    model, tokenizer = load_base(t, cuda)
    train, evalset = load_dataset_file(t.data.train), load_dataset_file(t.data.eval)
    if train is None or len(train) == 0:
        raise StageError(f"{t.data.train or 'data.train'}: no training data. run the split stage first")
    args = SFTConfig(**common_args(t, t.sft, ckpt, max_steps, cuda, evalset is not None), **sft_args(t))
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=evalset,
        processing_class=tokenizer,
        peft_config=lora_config(t),
        callbacks=callbacks(t, evalset is not None),
    )
    return fit(trainer, tokenizer, resume_point(ckpt, stamp))


def fit(trainer: Any, tokenizer: Any, resume: str | None) -> Phase:
    """Train (resuming when a checkpoint is given) and keep the trainer's final figures."""
    before = 0
    if resume:
        state = json.loads((Path(resume) / "trainer_state.json").read_text(encoding="utf-8"))
        before = int(state.get("num_input_tokens_seen") or 0)
    output = trainer.train(resume_from_checkpoint=resume)
    # The trainer's own log, final row included, beside the checkpoints (not in the adapter: timings would change
    # its hash on every run).
    trainer.state.save_to_json(str(Path(trainer.args.output_dir) / "trainer_state.final.json"))
    return Phase(trainer.model, tokenizer, trainer.state, dict(output.metrics), before)


def train_dpo(
    t: Training, start: Path | None, ckpt: Path, stamp: str, max_steps: int, cuda: bool, data: Path
) -> Phase:
    """DPO with the base model (adapter disabled) as reference; from the SFT adapter when there is one."""
    from peft import PeftModel
    from trl import DPOConfig, DPOTrainer

    assert t.dpo is not None
    model, tokenizer = load_base(t, cuda)
    peft_config = None
    if start is not None:
        model = PeftModel.from_pretrained(model, str(start), is_trainable=True)
    else:
        peft_config = lora_config(t)
    train = load_dataset_file(t.data.dpo_train or str(data / "dpo_train.jsonl"))
    evalset = load_dataset_file(t.data.dpo_eval or str(data / "dpo_eval.jsonl"))
    if train is None or len(train) == 0:
        raise StageError("no DPO preference pairs. set data.dpo_train or run the split stage first")
    args = DPOConfig(**common_args(t, t.dpo, ckpt, max_steps, cuda, evalset is not None), beta=t.dpo.beta)
    trainer = DPOTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=evalset,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks(t, evalset is not None),
    )
    return fit(trainer, tokenizer, resume_point(ckpt, stamp))


def loss_rows(history: list[dict[str, Any]], phase: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train loss rows, eval loss rows) for DVC plots."""
    train = [{"step": h["step"], "loss": h["loss"], "phase": phase} for h in history if "loss" in h]
    evals = [{"step": h["step"], "eval_loss": h["eval_loss"], "phase": phase} for h in history if "eval_loss" in h]
    return train, evals


def save_adapter(phase: Phase, out: Path, spec: Spec, stamp: str) -> None:
    """The adapter with the exact spec it was trained from and the git commit of the project."""
    from ftspec import git

    phase.model.save_pretrained(str(out))
    phase.tokenizer.save_pretrained(str(out))
    source = spec.project.path("training")
    shutil.copyfile(source, out / "training.source.yaml")
    write_text(out / "training.yaml", yaml.safe_dump(spec.training.model_dump(mode="json"), sort_keys=False))
    write_json(
        out / "provenance.json",
        {
            "spec_hash": stamp,
            "git_commit": git.source_commit(spec.project.root),
            "git_dirty": git.is_dirty(spec.project.root),
            "training_spec": str(source),
            "overrides": str(spec.overrides) if spec.overrides else None,
        },
    )


def run(spec: Spec, out: Path, plots: Path, data: Path, metrics: Path | None = None) -> int:
    import torch

    t = spec.training
    cuda = torch.cuda.is_available()
    check_config(t, cuda)
    max_steps = spec.manifest.pipeline.train.max_steps
    stamp = spec_hash(t.model_dump(mode="json"), max_steps)
    ckpt_root = out.parent / f"{out.name}.checkpoints"
    train_rows: list[dict[str, Any]] = []
    eval_rows: list[dict[str, Any]] = []
    start = None
    phases: list[Phase] = []
    if "sft" in t.approach.split("+"):
        phases.append(train_sft(t, ckpt_root / "sft", stamp, max_steps, cuda))
        if t.approach == "sft+dpo":
            start = out / "sft"
            save_adapter(phases[-1], start, spec, stamp)
    if "dpo" in t.approach.split("+"):
        phases.append(train_dpo(t, start, ckpt_root / "dpo", stamp, max_steps, cuda, data))
    for name, phase in zip(t.approach.split("+"), phases, strict=True):
        rows = loss_rows(phase.state.log_history, name)
        train_rows, eval_rows = train_rows + rows[0], eval_rows + rows[1]
    save_adapter(phases[-1], out, spec, stamp)
    write_json(plots / "train_loss.json", train_rows)
    write_json(plots / "eval_loss.json", eval_rows)
    if metrics:
        write_json(metrics, run_metrics(phases, cuda))
    print(f"train: adapter saved to {out} ({t.approach}, {t.peft.method})")
    return 0


def run_metrics(phases: list[Phase], cuda: bool) -> dict[str, Any]:
    """Steps, runtime and tokens/s of this run, from each trainer's final figures (TrainOutput.metrics).

    train_runtime is the trainer's own wall time of train(); tokens are the non-padding input tokens this run fed
    (a resumed run's earlier tokens are not counted against this run's time).
    """
    import torch

    runtime = sum(float(p.metrics.get("train_runtime", 0.0)) for p in phases)
    tokens = sum(int(p.state.num_input_tokens_seen or 0) - p.tokens_before for p in phases)
    out: dict[str, Any] = {
        "steps": sum(p.state.global_step for p in phases),
        "train_runtime": round(runtime, 3),
        "tokens_seen": tokens,
        "tokens_per_second": round(tokens / runtime, 2) if runtime else 0.0,
        "train_loss": round(float(phases[-1].metrics.get("train_loss", 0.0)), 6),
    }
    if cuda:
        out["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("train", __doc__ or "")
    p.add_argument("--out", type=Path, help="Adapter directory (default: training.yaml output_dir).")
    p.add_argument("--plots", type=Path, default=Path("plots"), help="Folder for the loss-curve JSON files.")
    p.add_argument("--metrics", type=Path, help="Write steps, runtime, tokens/s and peak GPU memory here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    t = spec.training
    require_gates(spec, "train", GATES)
    offline_env()
    return run(spec, args.out or Path(t.output_dir), args.plots, args.data, args.metrics)


if __name__ == "__main__":
    raise SystemExit(main())
