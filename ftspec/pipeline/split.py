"""split: split by transcript first, slice the training transcripts, drop contaminated slices, write the sets.

Slicing follows methodology.md section 4: the first slice after `first_slice` exchanges, then every 2-5 (seeded),
the final exchange always kept, each slice within the token limit. Slices of one transcript never cross sides.
Paths of the SFT/DPO sets come from config/training.yaml `data:` (relative to the directory the pipeline runs in).
Contaminated slices are dropped by the data.contamination gate's own check (ftspec.data.contamination.check with
ftspec.yaml `data.contamination`), so the gate passes on what split writes. Every record carries
`metadata: {source_id, topic, edge_case}` for the split-by-source and edge-case-share gates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec.data.records import Record
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


def with_metadata(row: dict[str, Any], record: dict[str, Any], edge_topics: set[str]) -> dict[str, Any]:
    """The row with `metadata`: the source transcript, its topic(s) and whether it is an edge case."""
    meta: dict[str, Any] = {"source_id": record["id"]}
    if isinstance(record.get("topics"), list):  # several topic seeds: each says whether it is an edge case
        meta["topics"] = [
            {"name": str(t), "edge_case": str(t) in edge_topics} if not isinstance(t, dict) else t
            for t in record["topics"]
        ]
    if record.get("topic") is not None:
        meta["topic"] = record["topic"]
        meta["edge_case"] = record["topic"] in edge_topics
    return {**row, "metadata": {**meta, **(row.get("metadata") or {})}}


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


def dpo_pairs(
    records: list[dict[str, Any]], passed: set[str], edge_topics: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
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
        pair = {
            "id": r["id"],
            "prompt": r["messages"][:-1],
            "chosen": [r["messages"][-1]],
            "rejected": [other["messages"][-1]],
        }
        pairs.append(with_metadata(pair, r, set(edge_topics)))
    return pairs


def run(spec: Spec, data: Path, metrics: Path | None) -> int:
    settings = spec.manifest.pipeline.split
    records = {r["id"]: r for r in read_jsonl(data / "conversations.jsonl")}
    passed = {a["id"] for a in read_jsonl(data / "assessments.jsonl") if a["passed"]}
    train_ids, eval_ids = split_ids(list(records), settings.eval_fraction, settings.seed)
    limit = _limit(spec)
    count = token_counter(spec)
    edges = frozenset(_edge_topics(spec))
    train, too_long = [], 0
    for tid in train_ids:
        if tid in passed:
            got, over = slices(records[tid], settings, count, limit)
            train += [with_metadata(row, records[tid], set(edges)) for row in got]
            too_long += over
    eval_records = [records[i] for i in eval_ids]
    sft_eval = [{"id": r["id"], "messages": r["messages"]} for r in eval_records if r["id"] in passed] or [
        {"id": r["id"], "messages": r["messages"]} for r in eval_records
    ]
    paths = _paths(spec, data)
    write_jsonl(paths["train"], train)
    write_jsonl(paths["eval"], [with_metadata(row, records[row["id"]], set(edges)) for row in sft_eval])
    write_jsonl(data / "eval_personas.jsonl", eval_records)
    write_jsonl(paths["dpo_train"], dpo_pairs([records[i] for i in train_ids], passed, edges))
    write_jsonl(paths["dpo_eval"], dpo_pairs(eval_records, passed, edges))
    dropped = decontaminate(spec, paths, data / "eval_personas.jsonl")
    kept = len(read_jsonl(paths["train"]))
    summary = {
        "train_transcripts": len(train_ids),
        "eval_transcripts": len(eval_ids),
        "train_slices": kept,
        "contaminated_dropped": dropped.get("train", 0),
        "contaminated_dropped_dpo": dropped.get("dpo_train", 0),
        "too_long_dropped": too_long,
        "token_limit": limit or 0,
    }
    if metrics:
        write_json(metrics, summary)
    print(
        f"split: {kept} train slices, {len(eval_ids)} eval transcripts, "
        f"{dropped.get('train', 0)} contaminated dropped"
    )
    return 0


ROUNDS = 4  # dropping records can change what the training side shares; check again until clean


def decontaminate(spec: Spec, paths: dict[str, Path], personas: Path) -> dict[str, int]:
    """Drop from each training file the records the data.contamination gate would flag: the same check, the
    same references (the configured held-out files and the rubric's calibration examples), and first the eval
    personas the evaluation replays. How many were dropped per training role."""
    from ftspec.data.comparison import Comparison
    from ftspec.data.contamination import check, file_batches
    from ftspec.gates.contamination import reference_batches

    comparison = Comparison.of(spec.manifest)
    calibration = _calibration(spec)
    dropped: dict[str, int] = {}
    for train, held_out in _pairs(spec):
        path = paths[train]
        extra = [b for b in file_batches(personas, str(personas))]
        dropped[train] = _drop(path, check([(path, str(path))], extra, comparison, lines=True).lines)
        for _ in range(ROUNDS):
            references = reference_batches([(paths[h], str(paths[h])) for h in held_out], calibration)
            if not references:
                break
            flagged = check([(path, str(path))], references, comparison, lines=True).lines
            if not flagged:
                break
            dropped[train] += _drop(path, flagged)
    return dropped


def _drop(path: Path, flagged: set[tuple[str, int]] | None) -> int:
    """Rewrite a JSONL file without the flagged lines (split wrote it: one record per line)."""
    if not flagged:
        return 0
    rows = read_jsonl(path)
    write_jsonl(path, [r for n, r in enumerate(rows, start=1) if (str(path), n) not in flagged])
    return len(flagged)


def _pairs(spec: Spec) -> list[tuple[str, list[str]]]:
    """(training role, its held-out roles) as the gate pairs them: the approach's sets (SFT when no config)."""
    approach = spec.training.approach if spec.training_data is not None else "sft"
    kinds = [k for k in ("sft", "dpo") if k in approach]
    held_out = [{"sft": "eval", "dpo": "dpo_eval"}[k] for k in kinds]
    return [({"sft": "train", "dpo": "dpo_train"}[k], held_out) for k in kinds]


def _calibration(spec: Spec) -> list[Record]:
    """The rubric's calibration examples, as the gate reads them."""
    from ftspec.data.calibration import calibration_records

    project = spec.project
    if not project.exists("rubric"):
        return []
    loaded = project.load("rubric")
    if not loaded.ok or loaded.missing:
        return []
    return list(calibration_records(loaded.value, loaded.doc, project.rel("rubric")))


def _edge_topics(spec: Spec) -> set[str]:
    """The taxonomy's edge-case topic names (none when the taxonomy does not load)."""
    project = spec.project
    if not project.exists("taxonomy"):
        return set()
    loaded = project.load("taxonomy")
    if not loaded.ok or loaded.missing:
        return set()
    return {t.name for t in loaded.value.taxonomy.topics if t.is_edge_case}


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
