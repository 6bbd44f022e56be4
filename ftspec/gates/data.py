"""Data gates over the training and eval sets (workflow step 5 data requirements; finetune-design slicing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.datasets import DataSet, present, summary
from ftspec.gates.registry import gate
from ftspec.gates.util import band, pct
from ftspec.results import Finding

SOURCE = "workflow step 5 (data requirements); methodology.md section 2"
SHOWN = 20  # findings per gate and file; the rest are counted in one more finding


def _capped(data_set: DataSet, found: list[Finding], total: int, what: str) -> Iterator[Finding]:
    yield from found[:SHOWN]
    if total > SHOWN:
        yield Finding(
            data_set.at(),
            f"{total - SHOWN} more {what} not shown ({total} in all)",
            "fix the ones above and run again",
        )


@gate(
    "data.format",
    phase="data",
    needs=("training",),
    max_record_bytes=64 << 20,
    max_file_bytes=1 << 30,
    source=SOURCE + ": consistent format per approach",
)
def data_format(ctx: GateContext) -> Iterator[Finding]:
    """Every example parses and has its shape: alternating chat, prompt/completion, prompt/chosen/rejected."""
    from ftspec.data.formats import SHAPES

    for ds in present(ctx):
        s = summary(ctx, ds)
        document = _json_document(ds, s.opening) if s.rows == 0 and s.errors.total > 1 else None
        if document is not None:  # one finding, not one per line of a pretty-printed file
            yield document
            continue
        found = [Finding.from_error(e) for e in s.errors.items]
        found += [
            Finding(ds.at(line), problem, f"write each {ds.role} example as {SHAPES[ds.shape]}")
            for line, problem in s.shape.items
        ]
        found.sort(key=lambda f: f.line)
        yield from _capped(ds, found, s.errors.total + s.shape.total, "format problems")


def _json_document(ds: DataSet, opening: bytes) -> Finding | None:
    """The finding for a JSONL file none of whose lines parses because it is one pretty-printed JSON document
    (an array of the examples, or an object), or None when it does not open like one."""
    if not opening.startswith(b"[") and opening != b"{":  # a pretty-printed object opens alone on its line
        return None
    what = "array" if opening.startswith(b"[") else "object"
    return Finding(
        ds.at(),
        f"the file is one pretty-printed JSON {what}, not JSON Lines: none of its lines is an example",
        "write each example as one JSON object on its own line"
        + (" (`jq -c '.[]'` turns a JSON array into such lines)" if what == "array" else ""),
    )


@gate(
    "data.min-count",
    phase="data",
    needs=("training",),
    sft_min=1000,
    sft_ideal=10000,
    dpo_min=1000,
    dpo_ideal=5000,
    source=SOURCE + ": SFT minimum 1,000 (ideal 10,000+), DPO minimum 1,000 (ideal 5,000+)",
)
def min_count(ctx: GateContext) -> Iterator[Finding]:
    """The training sets hold at least the minimum number of examples (a warning below the ideal)."""
    for ds in present(ctx, ("train", "dpo_train")):
        kind = "sft" if ds.role == "train" else "dpo"
        low, ideal = int(ctx.params[f"{kind}_min"]), int(ctx.params[f"{kind}_ideal"])
        rows = summary(ctx, ds).rows
        if rows < low:
            yield Finding(
                ds.at(),
                f"{rows:,} {kind.upper()} examples, need at least {low:,}",
                "generate more data (or lower the minimum in ftspec.yaml with a reason)",
            )
        elif rows < ideal:
            yield Finding(
                ds.at(),
                f"{rows:,} {kind.upper()} examples, below the ideal {ideal:,}",
                "more varied examples usually help",
                severity="warning",
            )


@gate(
    "data.token-length", phase="data", needs=("training",), source=SOURCE + "; token economics (max length)"
)
def token_length(ctx: GateContext) -> Iterator[Finding]:
    """Every example fits the training max_length (exact with data.tokenizer, else a high approximation)."""
    training = ctx.value("training")
    if training.data.tokenizer and not (ctx.project.root / training.data.tokenizer).exists():
        yield ctx.finding(
            "training",
            ["data", "tokenizer"],
            f"tokenizer {training.data.tokenizer} does not exist",
            "point data.tokenizer at a local tokenizer directory, or remove it to approximate",
        )
    for ds in present(ctx):
        if ds.max_length is None:
            raise NotApplicable("no max_length in config/training.yaml and no token_budget in ftspec.yaml")
        s = summary(ctx, ds)
        how = (
            "tokens"
            if training.data.tokenizer
            else "tokens (approximate: set data.tokenizer for exact counts)"
        )
        found = [
            Finding(
                ds.at(line),
                f"{tokens:,} {how}, above max_length {ds.max_length:,}",
                "slice the transcript into shorter examples (or raise max_length)",
            )
            for line, tokens in s.too_long.items
        ]
        yield from _capped(ds, found, s.too_long.total, "over-long examples")


@gate("data.pii", phase="data", needs=("training",), allow=[], crisis_lines=True, source=SOURCE + ": no PII")
def pii(ctx: GateContext) -> Iterator[Finding]:
    """No e-mail addresses, phone numbers, card numbers, IBANs or national ids (public helplines allowed)."""
    for ds in present(ctx):
        s = summary(ctx, ds)
        found = [
            Finding(
                ds.at(line),
                f"{match.kind} '{match.masked()}'",
                f"remove it or replace it with a placeholder such as {match.placeholder} (a public number: add it "
                "to gates.data.pii.allow in ftspec.yaml)",
            )
            for line, match in s.pii.items
        ]
        yield from _capped(ds, found, s.pii.total, "PII matches")


@gate("data.duplicates", phase="data", needs=("training",), source=SOURCE + ": varied, non-repeating data")
def duplicates(ctx: GateContext) -> Iterator[Finding]:
    """No training example repeats another (compared after normalising case and punctuation)."""
    for ds in present(ctx, ("train", "dpo_train")):
        s = summary(ctx, ds)
        found = [
            Finding(ds.at(line), f"duplicates line {first}", "drop one of them (duplicates overweight it)")
            for line, first in s.duplicates.items
        ]
        yield from _capped(ds, found, s.duplicates.total, "duplicates")


@gate(
    "data.edge-case-share",
    phase="data",
    needs=("training",),
    target=None,
    tolerance=0.05,
    source=SOURCE + "; finetune-design step 3: ~15% edge cases",
)
def edge_case_share(ctx: GateContext) -> Iterator[Finding]:
    """The share of training examples that are edge cases (`metadata.edge_case`; a multi-topic example,
    `metadata.topics`, counts by the share of its topic seeds that are edge cases) is near the taxonomy's
    edge-case weight."""
    target, origin = _edge_target(ctx)
    tolerance = float(ctx.params["tolerance"])
    for ds in present(ctx, ("train",)):
        s = summary(ctx, ds)
        flagged = s.edge_flagged + s.topic_records
        if not flagged:
            raise NotApplicable(f"no example in {ds.rel} carries metadata.edge_case or metadata.topics")
        edges = _edge_topics(ctx)
        cases = s.edge_cases + sum(share for name, share in s.topic_shares.items() if edges(name))
        share = cases / flagged
        if abs(share - target) > tolerance + 1e-9:
            yield Finding(
                ds.at(),
                f"{pct(share)} of examples are edge cases ({cases:,.4g} of {flagged:,}; a multi-topic example "
                f"counts by its share of edge-case topics), outside {band(target, tolerance)} ({origin})",
                "generate or drop edge-case examples to match the taxonomy",
            )


def _edge_target(ctx: GateContext) -> tuple[float, str]:
    if ctx.params.get("target") is not None:
        return float(ctx.params["target"]), "target in ftspec.yaml"
    if ctx.project.exists("taxonomy") and ctx.project.load("taxonomy").ok:
        topics = ctx.value("taxonomy").taxonomy.topics
        return sum(t.weight for t in topics if t.is_edge_case), "the taxonomy's edge-case weight"
    return 0.15, "the method's default"


def _edge_topics(ctx: GateContext) -> Callable[[str], bool]:
    """Whether a topic name is an edge case: the taxonomy's flag, else an `edge` in the name."""
    if ctx.project.exists("taxonomy") and ctx.project.load("taxonomy").ok:
        flags = {t.name: t.is_edge_case for t in ctx.value("taxonomy").taxonomy.topics}
        return lambda name: flags.get(name, "edge" in name.lower())
    return lambda name: "edge" in name.lower()


@gate(
    "data.split-by-source",
    phase="data",
    needs=("training",),
    source="finetune-design: split train/eval by transcript first; one transcript's slices on one side",
)
def split_by_source(ctx: GateContext) -> Iterator[Finding]:
    """No source transcript (`data.source_key`: metadata.source_id, source_id, source_transcript, transcript or
    source) has examples in both the training and the eval set."""
    sets = {ds.role: ds for ds in present(ctx)}
    pairs = [
        (sets[a], sets[b])
        for a, b in (("train", "eval"), ("dpo_train", "dpo_eval"))
        if a in sets and b in sets
    ]
    if not pairs:
        raise NotApplicable("needs both a training and an eval set")
    for train, held_out in pairs:
        ours, theirs = summary(ctx, train).sources, summary(ctx, held_out).sources
        if not ours or not theirs:
            keys = ", ".join(ctx.project.manifest.data.source_key)
            raise NotApplicable(f"examples carry none of the source keys ({keys}; data.source_key in ftspec.yaml)")
        shared = sorted((line, source) for source, line in ours.items() if source in theirs)
        found = [
            Finding(
                train.at(line),
                f"source '{source}' is also in {held_out.rel}:{theirs[source]}",
                "split by transcript first, then slice: keep each source on one side",
            )
            for line, source in shared
        ]
        yield from _capped(train, found, len(shared), "leaked sources")
