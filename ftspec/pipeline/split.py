"""split: split by transcript first, slice the training transcripts, drop contaminated slices, write the sets.

Slicing follows methodology.md section 4: the first slice after `first_slice` exchanges, then every 2-5 (seeded),
the final exchange always kept, each slice within the token limit. Slices of one transcript never cross sides.
Paths of the SFT/DPO sets come from config/training.yaml `data:` (relative to the directory the pipeline runs in).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec.data.contamination import ContaminationIndex, Record
from ftspec.models.manifest import SplitSettings
from ftspec.pipeline.common import (
    Spec,
    load_spec,
    parser,
    read_jsonl,
    require_gates,
    run_main,
    write_json,
    write_jsonl,
)

GATES = ("manifest.", "yaml.", "tokens.")
Messages = list[dict[str, str]]


def split_ids(ids: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(train ids, eval ids): a seeded shuffle of whole transcripts, at least one on each side."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    n_eval = min(max(1, math.ceil(len(order) * fraction)), len(order) - 1)
    return sorted(order[n_eval:]), sorted(order[:n_eval])


def cut_points(n_exchanges: int, settings: SplitSettings, rng: random.Random) -> list[int]:
    """Exchange counts at which to cut: first_slice, then gaps of min_gap..max_gap, always the last."""
    cuts, k = [], settings.first_slice
    while k < n_exchanges:
        cuts.append(k)
        k += rng.randint(settings.min_gap, settings.max_gap)
    return [*cuts, n_exchanges] if n_exchanges else []


def prefix(messages: Messages, exchanges: int) -> Messages:
    """The transcript up to and including the given number of assistant replies."""
    out, seen = [], 0
    for m in messages:
        if seen == exchanges:
            break
        out.append(m)
        seen += m["role"] == "assistant"
    return out


def slices(
    record: dict[str, Any], settings: SplitSettings, count: Callable[[Messages], int], limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    """A transcript's training slices and how many were dropped for exceeding the token limit."""
    rng = random.Random(f"{settings.seed}:{record['id']}")
    n = sum(m["role"] == "assistant" for m in record["messages"])
    out, too_long = [], 0
    for k in cut_points(n, settings, rng):
        msgs = prefix(record["messages"], k)
        if limit and count(msgs) > limit:
            too_long += 1
            continue
        out.append({"id": f"{record['id']}/{k}", "transcript": record["id"], "messages": msgs})
    return out, too_long


def text_of(messages: Messages) -> str:
    """What contamination compares: user and assistant words (the shared system prompt would match everything)."""
    return "\n".join(m["content"] for m in messages if m["role"] != "system")


def token_counter(spec: Spec) -> Callable[[Messages], int]:
    """Exact counts with the training tokenizer when it is a local directory, else ~4/3 tokens per word."""
    path = _tokenizer_path(spec)
    if path is None:
        return lambda msgs: math.ceil(sum(len(m["content"].split()) for m in msgs) * 4 / 3)
    from ftspec.pipeline.common import offline_env

    offline_env()
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    return lambda msgs: len(tok.apply_chat_template(msgs, tokenize=True, return_dict=True)["input_ids"])


def _tokenizer_path(spec: Spec) -> str | None:
    if spec.training_data is None:
        return None
    t = spec.training
    for candidate in (t.data.tokenizer, t.base_model):
        if candidate and Path(candidate).is_dir():
            return candidate
    return None


def dpo_pairs(records: list[dict[str, Any]], passed: set[str]) -> list[dict[str, Any]]:
    """Crude preference pairs: a passing transcript's last reply (chosen) against a failing one's (rejected).

    The rejected reply answers another conversation of the same topic where possible; projects that need real
    pairs should generate two candidates per prompt and point `data.dpo_train` at them.
    """
    bad = [r for r in records if r["id"] not in passed]
    pairs = []
    for r in (r for r in records if r["id"] in passed):
        other = next((b for b in bad if b["topic"] == r["topic"]), bad[0] if bad else None)
        if other is None:
            break
        pairs.append(
            {
                "id": r["id"],
                "prompt": r["messages"][:-1],
                "chosen": [r["messages"][-1]],
                "rejected": [other["messages"][-1]],
            }
        )
    return pairs


def run(spec: Spec, data: Path, metrics: Path | None) -> int:
    settings = spec.manifest.pipeline.split
    records = {r["id"]: r for r in read_jsonl(data / "conversations.jsonl")}
    passed = {a["id"] for a in read_jsonl(data / "assessments.jsonl") if a["passed"]}
    train_ids, eval_ids = split_ids(list(records), settings.eval_fraction, settings.seed)
    limit = _limit(spec)
    count = token_counter(spec)
    train, too_long = [], 0
    for tid in train_ids:
        if tid in passed:
            got, dropped = slices(records[tid], settings, count, limit)
            train += got
            too_long += dropped
    eval_records = [records[i] for i in eval_ids]
    index = ContaminationIndex(
        (Record("eval_personas.jsonl", n + 1, text_of(r["messages"])) for n, r in enumerate(eval_records)),
        n=settings.ngram,
    )
    hits = {h.train.line for h in index.scan(Record("train", n, text_of(s["messages"])) for n, s in enumerate(train))}
    train = [s for n, s in enumerate(train) if n not in hits]
    sft_eval = [{"id": r["id"], "messages": r["messages"]} for r in eval_records if r["id"] in passed] or [
        {"id": r["id"], "messages": r["messages"]} for r in eval_records
    ]
    paths = _paths(spec, data)
    write_jsonl(paths["train"], train)
    write_jsonl(paths["eval"], sft_eval)
    write_jsonl(data / "eval_personas.jsonl", eval_records)
    write_jsonl(paths["dpo_train"], dpo_pairs([records[i] for i in train_ids], passed))
    write_jsonl(paths["dpo_eval"], dpo_pairs(eval_records, passed))
    summary = {
        "train_transcripts": len(train_ids),
        "eval_transcripts": len(eval_ids),
        "train_slices": len(train),
        "contaminated_dropped": len(hits),
        "too_long_dropped": too_long,
        "token_limit": limit or 0,
    }
    if metrics:
        write_json(metrics, summary)
    print(f"split: {len(train)} train slices, {len(eval_ids)} eval transcripts, {len(hits)} contaminated dropped")
    return 0


def _limit(spec: Spec) -> int | None:
    limits = [spec.manifest.token_budget.max_tokens_per_example] if spec.manifest.token_budget else []
    if spec.training_data is not None and spec.training.sft is not None:
        limits.append(spec.training.sft.max_length)
    return min(limits) if limits else None


def _paths(spec: Spec, data: Path) -> dict[str, Path]:
    d = spec.training.data if spec.training_data is not None else None
    return {
        "train": Path(d.train) if d and d.train else data / "train.jsonl",
        "eval": Path(d.eval) if d and d.eval else data / "eval.jsonl",
        "dpo_train": Path(d.dpo_train) if d and d.dpo_train else data / "dpo_train.jsonl",
        "dpo_eval": Path(d.dpo_eval) if d and d.dpo_eval else data / "dpo_eval.jsonl",
    }


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("split", __doc__ or "")
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    require_gates(spec, "split", GATES)
    return run(spec, args.data, args.metrics)


if __name__ == "__main__":
    raise SystemExit(main())
