"""evaluate: the fine-tuned model on the same eval personas as base-eval; paired t-test and the ship decision.

Ship when the mean score gains >= min_gain (0.10), p < alpha (0.05, paired t-test), and no safety regression:
no persona where the base model passed every safety gate and the fine-tuned model fails one. A persona whose
judging errored for either model is left out of every figure and counted; it never counts as a pass. Base and
fine-tuned must have been judged with the same rubric and judge panel, or the comparison is refused.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from ftspec.data.ship import Paired, regressions
from ftspec.data.ship import decide as ship_decision
from ftspec.errors import StageError
from ftspec.models.manifest import EvalSettings
from ftspec.pipeline.common import (
    load_spec,
    offline_env,
    parser,
    read_jsonl,
    require_gates,
    run_main,
    write_json,
    write_text,
)
from ftspec.pipeline.modeleval import judging_fingerprints, run_eval

GATES = ("manifest.", "yaml.", "rubric.")
Results = list[dict[str, Any]]


def paired(base: Results, tuned: Results) -> list[Paired]:
    """The two models' results per eval persona, in order."""
    return [
        Paired(b["id"], b["score"], t["score"], tuple(b["safety_failures"]), tuple(t["safety_failures"]))
        for b, t in zip(base, tuned, strict=True)
    ]


def errored(record: dict[str, Any]) -> bool:
    """A record some judge could not answer: its score means nothing (judging.is_error, or errors listed)."""
    from ftspec.pipeline.judging import is_error

    return is_error(record) or bool(record.get("errors"))


def check_same_judging(base: Results, current: dict[str, str], base_path: Path) -> None:
    """Refuse when the base results were judged with another rubric or judge panel than this run uses."""
    for key, what in (("rubric_fp", "rubric"), ("judges_fp", "judge panel")):
        seen = {r.get(key) for r in base}
        if seen != {current[key]}:
            raise StageError(
                f"{base_path}: the base model was judged with a different {what} than the fine-tuned model would "
                "be. rerun base-eval with the current rubric and judges, then evaluate"
            )


def safety_regressions(base: Results, tuned: Results) -> list[str]:
    """Ids where the base model passed every safety gate and the fine-tuned model failed one."""
    return regressions(paired(base, tuned))


def decide(base: Results, tuned: Results, settings: EvalSettings) -> dict[str, Any]:
    """Gain, paired t-test and the ship decision over the personas both models were judged on without error
    (ftspec.data.ship: the eval.results gate uses the same rule)."""
    if [b["id"] for b in base] != [t["id"] for t in tuned]:
        raise StageError("base and fine-tuned results cover different eval personas. rerun base-eval and evaluate")
    pairs = [(b, t) for b, t in zip(base, tuned, strict=True) if not errored(b) and not errored(t)]
    decision = ship_decision(paired([b for b, _ in pairs], [t for _, t in pairs]), settings.min_gain, settings.alpha)
    if not pairs:
        decision["ship"] = False
        decision["reasons"] = ["no eval persona was judged without errors for both models"]
    decision.update(
        judged=len(base),
        errored_base=sum(map(errored, base)),
        errored_finetuned=sum(map(errored, tuned)),
        excluded=len(base) - len(pairs),
    )
    return decision


def _rate(records: Results, cid: str) -> float | None:
    answers = [r["verdicts"][cid] for r in records if r["verdicts"].get(cid) in ("YES", "NO")]
    return round(sum(a == "YES" for a in answers) / len(answers), 4) if answers else None


def breakdown(base: Results, tuned: Results) -> dict[str, list[dict[str, Any]]]:
    """Per criterion (share of YES among YES/NO) and per topic (mean score), base vs fine-tuned, errors left out."""
    pairs = [(b, t) for b, t in zip(base, tuned, strict=True) if not errored(b) and not errored(t)]
    bs, ts = [b for b, _ in pairs], [t for _, t in pairs]
    cids = sorted({c for r in bs + ts for c in r.get("verdicts", {})}, key=lambda c: (len(c), c))
    criteria = [{"criterion": c, "base": _rate(bs, c), "finetuned": _rate(ts, c)} for c in cids]
    topics: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for b, t in pairs:
        topics[b.get("topic") or "unknown"].append((b["score"], t["score"]))
    per_topic = [
        {
            "topic": topic,
            "n": len(s),
            "base": round(sum(x for x, _ in s) / len(s), 4),
            "finetuned": round(sum(y for _, y in s) / len(s), 4),
        }
        for topic, s in sorted(topics.items())
    ]
    return {"criteria": criteria, "topics": per_topic}


def plot_rows(rows: list[dict[str, Any]], key: str, value: str) -> list[dict[str, Any]]:
    """Long-form rows for a DVC bar chart: one bar per (key, model), labelled `KEY base` / `KEY fine-tuned`."""
    return [
        {key: row[key], "model": label, "bar": f"{row[key]} {label}", value: row[model]}
        for row in rows
        for model, label in (("base", "base"), ("finetuned", "fine-tuned"))
        if row[model] is not None
    ]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def report(model: str, adapter: Path, d: dict[str, Any], parts: dict[str, Any], settings: EvalSettings) -> str:
    verdict = "SHIP" if d["ship"] else "DO NOT SHIP"
    why = "\n".join(f"- {r}" for r in d["reasons"]) or "- every condition met"
    criteria = "".join(
        f"| {c['criterion']} | {_fmt(c['base'])} | {_fmt(c['finetuned'])} |\n" for c in parts["criteria"]
    )
    topics = "".join(
        f"| {t['topic']} | {t['n']} | {_fmt(t['base'])} | {_fmt(t['finetuned'])} |\n" for t in parts["topics"]
    )
    return (
        f"# Evaluation: {adapter} vs {model}\n\nWritten by `ftspec run evaluate` on {d['judged']} eval personas; "
        f"{d['n']} judged without errors for both models are compared ({d['errored_base']} base and "
        f"{d['errored_finetuned']} fine-tuned records had judge errors and are left out).\n\n"
        f"| | mean score |\n|---|---|\n| base | {d['base_mean']:.3f} |\n| fine-tuned | {d['finetuned_mean']:.3f} |\n\n"
        f"Gain {d['gain']:+.3f} (needs >= {settings.min_gain}), paired t-test p = {d['p_value']:.3g} "
        f"(needs < {settings.alpha}), new safety failures: {d['safety_regressions']} (needs 0).\n\n"
        f"**Decision: {verdict}**\n\n{why}\n\n"
        f"## Per criterion (share of YES)\n\n| criterion | base | fine-tuned |\n|---|---|---|\n{criteria}\n"
        f"## Per topic (mean score)\n\n| topic | personas | base | fine-tuned |\n|---|---|---|---|\n{topics}"
    )


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("evaluate", __doc__ or "")
    p.add_argument("--adapter", type=Path, help="The trained adapter (default: training.yaml output_dir).")
    p.add_argument("--out", type=Path, help="Judged replies JSONL (default DATA/eval/finetuned.jsonl).")
    p.add_argument("--report", type=Path, default=Path("evaluation-report.md"))
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    p.add_argument("--plots", type=Path, help="Folder for the per-criterion and per-topic comparison JSON files.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    adapter = args.adapter or Path(spec.training.output_dir)
    if not (adapter / "adapter_config.json").is_file() and not (adapter / "config.json").is_file():
        raise StageError(f"{adapter}: no trained model here. run the train stage first")
    require_gates(spec, "evaluate", GATES)
    base_path = args.data / "eval" / "base.jsonl"
    base = read_jsonl(base_path)
    check_same_judging(base, judging_fingerprints(spec), base_path)
    offline_env()
    tuned = run_eval(spec, adapter, args.data, args.out or args.data / "eval" / "finetuned.jsonl")
    settings = spec.manifest.pipeline.eval
    decision, parts = decide(base, tuned, settings), breakdown(base, tuned)
    write_text(args.report, report(spec.training.base_model, adapter, decision, parts, settings))
    if args.metrics:
        write_json(args.metrics, decision)
    if args.plots:
        write_json(args.plots / "eval_criteria.json", plot_rows(parts["criteria"], "criterion", "yes_rate"))
        write_json(args.plots / "eval_topics.json", plot_rows(parts["topics"], "topic", "mean_score"))
    print(
        f"evaluate: gain {decision['gain']:+.3f}, p = {decision['p_value']:.3g} over {decision['n']} personas "
        f"({decision['excluded']} left out for judge errors), ship: {decision['ship']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
