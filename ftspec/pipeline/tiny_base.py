"""tiny-base: build a tiny random-init Llama and a BPE tokenizer trained locally, so the pipeline needs no hub.

The model knows nothing; it makes `dvc repro` and the tests exercise every stage for real on a CPU in minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftspec.pipeline.common import StageParser, offline_env, run_main

# {% generation %} marks what the assistant says, end-of-turn token included: trl's assistant_only_loss trains on
# exactly those tokens (system and user turns get label -100) and the model learns to stop.
CHAT_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'assistant' %}<|assistant|>\n"
    "{% generation %}{{ m['content'] }}<|end|>{% endgeneration %}{{ '\\n' }}"
    "{% else %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIALS = ["<|pad|>", "<|unk|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]


ENGLISH = (
    "You are a career coach. I have been thinking about changing jobs, but my manager keeps moving deadlines and "
    "I feel stuck. It sounds like the uncertainty is wearing you down. What would a good next step look like for "
    "you this week? Could you tell me more about what happened in the interview, and how you felt afterwards?"
)


def corpus() -> list[str]:
    """Fixed tokenizer training text (the scripted backend's words and some English): no spec file changes it."""
    from ftspec.backends.scripted import FILLER, WORDS

    return [ENGLISH, " ".join(WORDS + FILLER), " ".join(w.capitalize() for w in WORDS)] * 3


def build_tokenizer(texts: list[str], vocab_size: int) -> Any:
    """A byte-level BPE tokenizer with a chat template; every string is encodable (no unknown bytes)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<|pad|>",
        unk_token="<|unk|>",
        bos_token="<|bos|>",
        eos_token="<|end|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer: Any, hidden: int, layers: int, seed: int) -> Any:
    """A random-init LlamaForCausalLM sized for CPU tests."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return LlamaForCausalLM(config)


def shrink(project: Path, overrides: Path) -> list[Path]:
    """Write the overrides (`manifest:` / `training:`) into the project's own ftspec.yaml and training spec.

    The project then runs small by itself: every value DVC reads is in its spec files, so `dvc exp run -S` on any
    key takes effect (no side file wins over it). Comments and key order are kept.
    """
    import io

    from ruamel.yaml import YAML

    from ftspec.pipeline.common import write_text
    from ftspec.project import MANIFEST, Project

    extra = YAML(typ="safe").load(overrides.read_text(encoding="utf-8")) or {}
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 120
    written = []
    targets = {"manifest": project / MANIFEST, "training": project / Project(project).manifest.paths.training}
    for key, path in targets.items():
        if not isinstance(extra.get(key), dict):
            continue
        data = yaml.load(path.read_text(encoding="utf-8"))
        _merge_into(data, extra[key])
        text = io.StringIO()
        yaml.dump(data, text)
        write_text(path, text.getvalue())
        written.append(path)
    return written


def _merge_into(node: Any, extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge_into(node[key], value)
        else:
            node[key] = value


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = StageParser(prog="ftspec run tiny-base", description=__doc__)
    p.add_argument("--out", type=Path, default=Path("models/tiny-base"))
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--shrink",
        type=Path,
        metavar="PROJECT",
        help="Also write --overrides into PROJECT's own spec files, so the whole project runs on the tiny model.",
    )
    p.add_argument("--overrides", type=Path, default=Path("tiny-run.yaml"), help="With --shrink: the values to write.")
    args = p.parse_args(argv)
    if args.shrink:
        for path in shrink(args.shrink, args.overrides):
            print(f"tiny-base: wrote {args.overrides} into {path}")
    offline_env()
    tokenizer = build_tokenizer(corpus(), args.vocab)
    model = build_model(tokenizer, args.hidden, args.layers, args.seed)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(f"tiny-base: wrote {args.out} ({sum(p.numel() for p in model.parameters())} parameters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
