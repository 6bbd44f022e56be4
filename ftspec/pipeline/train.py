"""train: LoRA / QLoRA with trl's SFTTrainer and DPOTrainer (sft+dpo: DPO starts from the SFT adapter).

Config is validated and the gates checked before anything heavy is imported. Offline and telemetry off by default.
Multi-GPU: `accelerate launch -m ftspec.pipeline.train --project . ...` (see docs/pipeline.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
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
from ftspec.pipeline.train_args import callbacks, check_config, common_args, lora_config

GATES = ("manifest.", "yaml.", "training.", "data.", "tokens.")


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


def train_sft(t: Training, ckpt: Path, stamp: str, max_steps: int, cuda: bool) -> tuple[Any, Any, Any]:
    from trl import SFTConfig, SFTTrainer

    assert t.sft is not None
    model, tokenizer = load_base(t, cuda)
    train, evalset = load_dataset_file(t.data.train), load_dataset_file(t.data.eval)
    if train is None or len(train) == 0:
        raise StageError(f"{t.data.train or 'data.train'}: no training data. run the split stage first")
    args = SFTConfig(
        **common_args(t, t.sft, ckpt, max_steps, cuda, evalset is not None),
        packing=t.sft.packing,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=evalset,
        processing_class=tokenizer,
        peft_config=lora_config(t),
        callbacks=callbacks(t, evalset is not None),
    )
    trainer.train(resume_from_checkpoint=resume_point(ckpt, stamp))
    return trainer.model, tokenizer, trainer.state


def train_dpo(
    t: Training, start: Path | None, ckpt: Path, stamp: str, max_steps: int, cuda: bool, data: Path
) -> tuple[Any, Any, Any]:
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
    trainer.train(resume_from_checkpoint=resume_point(ckpt, stamp))
    return trainer.model, tokenizer, trainer.state


def loss_rows(history: list[dict[str, Any]], phase: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train loss rows, eval loss rows) for DVC plots."""
    train = [{"step": h["step"], "loss": h["loss"], "phase": phase} for h in history if "loss" in h]
    evals = [{"step": h["step"], "eval_loss": h["eval_loss"], "phase": phase} for h in history if "eval_loss" in h]
    return train, evals


def save_adapter(model: Any, tokenizer: Any, out: Path, spec: Spec, stamp: str) -> None:
    """The adapter with the exact spec it was trained from and the git commit of the project."""
    from ftspec import git

    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
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
    states = []
    if "sft" in t.approach.split("+"):
        model, tok, state = train_sft(t, ckpt_root / "sft", stamp, max_steps, cuda)
        states.append(state)
        rows = loss_rows(state.log_history, "sft")
        train_rows, eval_rows = train_rows + rows[0], eval_rows + rows[1]
        if t.approach == "sft+dpo":
            start = out / "sft"
            save_adapter(model, tok, start, spec, stamp)
    if "dpo" in t.approach.split("+"):
        model, tok, state = train_dpo(t, start, ckpt_root / "dpo", stamp, max_steps, cuda, data)
        states.append(state)
        rows = loss_rows(state.log_history, "dpo")
        train_rows, eval_rows = train_rows + rows[0], eval_rows + rows[1]
    save_adapter(model, tok, out, spec, stamp)
    write_json(plots / "train_loss.json", train_rows)
    write_json(plots / "eval_loss.json", eval_rows)
    if metrics:
        write_json(metrics, run_metrics(states, cuda))
    print(f"train: adapter saved to {out} ({t.approach}, {t.peft.method})")
    return 0


def run_metrics(states: list[Any], cuda: bool) -> dict[str, Any]:
    """Steps, runtime, tokens/s (non-padding tokens this run) and peak GPU memory of the training run."""
    import torch

    runtime = sum(h.get("train_runtime", 0.0) for s in states for h in s.log_history)
    tokens = sum(int(s.num_input_tokens_seen or 0) for s in states)
    out: dict[str, Any] = {
        "steps": sum(s.global_step for s in states),
        "train_runtime": round(runtime, 3),
        "tokens_seen": tokens,
        "tokens_per_second": round(tokens / runtime, 2) if runtime else 0.0,
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
