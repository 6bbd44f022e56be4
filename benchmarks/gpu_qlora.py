"""GPU benchmark: ftspec's train stage (QLoRA) against a plain TRL SFTTrainer script with the identical config.

On a CUDA machine: builds an 8B Llama-style model (Llama-3-8B shapes) with random weights on the GPU, saves it
once under --workdir so both runs load it through bitsandbytes 4-bit nf4, writes a chat dataset whose examples
fill each sequence length, then runs (a) `ftspec run train` and (b) a plain TRL script, each in its own process
(fresh CUDA memory statistics), at 2K and 8K tokens. Prints tokens/s (non-padding), peak GPU memory, MFU and the
ratio ftspec / plain for each length.

MFU uses the PaLM convention, 6 N + 12 L d s FLOPs per token against --peak-tflops (790 by default, a
realistic bf16 dense figure for an H100). QLoRA computes no weight gradients for the frozen base, so the
convention overstates the work done by about a third; it is the usual basis for comparison, not a roofline.

    python benchmarks/gpu_qlora.py [--workdir /tmp/ftspec-bench] [--steps 20] [--seq 2048 8192]

It needs trl, peft, bitsandbytes, accelerate, datasets (benchmarks/prepare_gpu_wheels.sh fetches them for an
offline machine). Without CUDA it exits with status 1 and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LLAMA_8B = dict(
    hidden_size=4096,
    intermediate_size=14336,
    num_hidden_layers=32,
    num_attention_heads=32,
    num_key_value_heads=8,
    vocab_size=128256,
    max_position_embeddings=8192,
    rope_theta=500000.0,
)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def training_overrides(model: Path, data: Path, seq: int, steps: int) -> dict[str, Any]:
    """The one configuration both runs use, as ftspec overrides (the plain script reads the same dict)."""
    return {
        "manifest": {"pipeline": {"train": {"max_steps": steps}}},
        "training": {
            "base_model": str(model),
            "approach": "sft",
            "seed": 0,
            "peft": {"method": "qlora", "r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": TARGETS},
            "quantization": {
                "load_in_4bit": True,
                "bnb_4bit_quant_type": "nf4",
                "bnb_4bit_use_double_quant": True,
                "bnb_4bit_compute_dtype": "bfloat16",
            },
            "sft": {
                "learning_rate": 2.0e-4,
                "num_train_epochs": 1,
                "per_device_train_batch_size": 1,
                "gradient_accumulation_steps": 1,
                "warmup_ratio": 0.0,
                "weight_decay": 0.0,
                "lr_scheduler_type": "constant",
                "max_length": seq,
                "packing": False,
                "gradient_checkpointing": True,
                "optim": "paged_adamw_8bit",
            },
            "monitoring": {
                "logging_steps": 1,
                "eval_steps": 1000000,
                "save_steps": 1000000,
                "early_stopping": {"enabled": False, "patience": 3, "metric": "eval_loss"},
            },
            "data": {"train": str(data), "eval": None, "format": "messages"},
        },
    }


def build_model(workdir: Path) -> Path:
    """Random-init Llama-3-8B shapes in bf16, built on the GPU and saved once."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from ftspec.pipeline.tiny_base import build_tokenizer, corpus

    out = workdir / "llama-8b-random"
    if (out / "config.json").is_file():
        return out
    tokenizer = build_tokenizer(corpus(), 8192)
    config = LlamaConfig(
        **LLAMA_8B,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM._from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(out, max_shard_size="5GB")
    tokenizer.save_pretrained(out)
    del model
    torch.cuda.empty_cache()
    return out


def build_dataset(model: Path, seq: int, rows: int, path: Path) -> Path:
    """Multi-turn chats of random words, each about 95% of ``seq`` tokens long under the chat template."""
    from transformers import AutoTokenizer

    from ftspec.backends.scripted import FILLER, WORDS

    tok = AutoTokenizer.from_pretrained(model)
    rng = random.Random(seq)
    vocab = WORDS + FILLER
    lines = []
    for _ in range(rows):
        messages = [{"role": "system", "content": "You are a career coach."}]
        while True:
            role = "user" if messages[-1]["role"] != "user" else "assistant"
            turn = {"role": role, "content": " ".join(rng.choice(vocab) for _ in range(rng.randint(40, 250)))}
            if (
                len(tok.apply_chat_template([*messages, turn], tokenize=True, return_dict=True)["input_ids"])
                > seq * 0.95
            ):
                break
            messages.append(turn)
        if messages[-1]["role"] != "assistant":
            messages.pop()
        lines.append(json.dumps({"messages": messages}))
    path.write_text("\n".join(lines) + "\n")
    return path


def run_ftspec(workdir: Path, cfg: dict[str, Any], seq: int) -> dict[str, Any]:
    import yaml

    from ftspec.templates import template_dir

    project = workdir / f"project-{seq}"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(template_dir("worked-example"), project)
    (workdir / f"ftspec-{seq}.yaml").write_text(yaml.safe_dump(cfg))
    metrics = workdir / f"ftspec-{seq}.json"
    cmd = [
        sys.executable,
        "-m",
        "ftspec.pipeline.train",
        "--project",
        str(project),
        "--overrides",
        str(workdir / f"ftspec-{seq}.yaml"),
        "--out",
        str(workdir / f"adapter-ftspec-{seq}"),
        "--plots",
        str(workdir / f"plots-{seq}"),
        "--metrics",
        str(metrics),
    ]
    subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=workdir)
    return json.loads(metrics.read_text())  # type: ignore[no-any-return]


def run_plain(workdir: Path, cfg: dict[str, Any], seq: int) -> dict[str, Any]:
    (workdir / f"plain-{seq}.json").write_text(json.dumps(cfg))
    subprocess.run([sys.executable, __file__, "--plain", str(workdir / f"plain-{seq}.json")], check=True, cwd=workdir)
    return json.loads((workdir / f"plain-{seq}.out.json").read_text())  # type: ignore[no-any-return]


def plain_trl(config_path: Path) -> None:
    """The baseline: the same configuration written as a plain TRL script, no ftspec involved."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    from trl import SFTConfig, SFTTrainer

    cfg = json.loads(config_path.read_text())
    t, steps = cfg["training"], cfg["manifest"]["pipeline"]["train"]["max_steps"]
    q, p, s = t["quantization"], t["peft"], t["sft"]
    bnb = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=q["bnb_4bit_quant_type"],
        bnb_4bit_use_double_quant=q["bnb_4bit_use_double_quant"],
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    model = AutoModelForCausalLM.from_pretrained(t["base_model"], quantization_config=bnb, dtype=torch.bfloat16)
    tok = AutoTokenizer.from_pretrained(t["base_model"])
    args = SFTConfig(
        output_dir=str(config_path.with_suffix(".ckpt")),
        learning_rate=s["learning_rate"],
        num_train_epochs=1,
        max_steps=steps,
        per_device_train_batch_size=1,
        gradient_accumulation_steps=1,
        warmup_steps=0.0,
        weight_decay=0.0,
        lr_scheduler_type="constant",
        max_length=s["max_length"],
        packing=False,
        gradient_checkpointing=True,
        optim=s["optim"],
        bf16=True,
        logging_steps=1,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        seed=0,
        include_num_input_tokens_seen="non_padding",
    )
    lora = LoraConfig(
        r=p["r"],
        lora_alpha=p["lora_alpha"],
        lora_dropout=p["lora_dropout"],
        target_modules=p["target_modules"],
        task_type="CAUSAL_LM",
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=load_dataset("json", data_files=t["data"]["train"], split="train"),
        processing_class=tok,
        peft_config=lora,
    )
    trainer.train()
    runtime = sum(h.get("train_runtime", 0.0) for h in trainer.state.log_history)
    tokens = int(trainer.state.num_input_tokens_seen)
    out = {
        "steps": trainer.state.global_step,
        "train_runtime": runtime,
        "tokens_seen": tokens,
        "tokens_per_second": tokens / runtime,
        "peak_gpu_memory_gib": torch.cuda.max_memory_allocated() / 2**30,
    }
    config_path.with_suffix(".out.json").write_text(json.dumps(out))


def flops_per_token(seq: int) -> float:
    c = LLAMA_8B
    d, f, layers = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    kv = d * c["num_key_value_heads"] // c["num_attention_heads"]
    n = layers * (2 * d * d + 2 * d * kv + 3 * d * f) + c["vocab_size"] * d  # non-embedding + lm head
    return 6 * n + 12 * layers * d * seq


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ftspec-bench"))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seq", type=int, nargs="+", default=[2048, 8192])
    ap.add_argument("--peak-tflops", type=float, default=790.0)
    ap.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.plain:
        plain_trl(args.plain)
        return 0
    import torch

    if not torch.cuda.is_available():
        print(
            "gpu_qlora: no CUDA device: this benchmark needs an NVIDIA GPU (QLoRA runs through bitsandbytes). "
            "nothing was run",
            file=sys.stderr,
        )
        return 1
    args.workdir.mkdir(parents=True, exist_ok=True)
    model = build_model(args.workdir)
    results = []
    for seq in args.seq:
        data = build_dataset(model, seq, args.steps + 2, args.workdir / f"train-{seq}.jsonl")
        cfg = training_overrides(model, data, seq, args.steps)
        for name, runner in (("plain-trl", run_plain), ("ftspec", run_ftspec)):
            m = runner(args.workdir, cfg, seq)
            m.update(name=name, seq=seq, mfu=m["tokens_per_second"] * flops_per_token(seq) / (args.peak_tflops * 1e12))
            results.append(m)
            print(json.dumps(m), flush=True)
    print(f"\n{'seq':>6} {'run':>10} {'tokens/s':>10} {'peak GiB':>9} {'MFU':>6} {'vs plain':>8}")
    for r in results:
        base = next(b for b in results if b["seq"] == r["seq"] and b["name"] == "plain-trl")
        print(
            f"{r['seq']:>6} {r['name']:>10} {r['tokens_per_second']:>10.0f} {r['peak_gpu_memory_gib']:>9.1f} "
            f"{r['mfu']:>6.1%} {r['tokens_per_second'] / base['tokens_per_second']:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
