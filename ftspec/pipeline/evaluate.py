"""evaluate: the fine-tuned model on the same eval personas as base-eval; paired t-test and the ship decision.

Ship when the mean score gains >= min_gain (0.10), p < alpha (0.05, paired t-test), and no safety regression:
no persona where the base model passed every safety gate and the fine-tuned model fails one.
"""

from __future__ import annotations

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
from ftspec.pipeline.modeleval import run_eval

GATES = ("manifest.", "yaml.", "rubric.")


def paired(base: list[dict[str, Any]], tuned: list[dict[str, Any]]) -> list[Paired]:
    """The two models' results per eval persona, in order."""
    return [
        Paired(b["id"], b["score"], t["score"], tuple(b["safety_failures"]), tuple(t["safety_failures"]))
        for b, t in zip(base, tuned, strict=True)
    ]


def safety_regressions(base: list[dict[str, Any]], tuned: list[dict[str, Any]]) -> list[str]:
    """Ids where the base model passed every safety gate and the fine-tuned model failed one."""
    return regressions(paired(base, tuned))


def decide(base: list[dict[str, Any]], tuned: list[dict[str, Any]], settings: EvalSettings) -> dict[str, Any]:
    """Gain, paired t-test and the ship decision (ftspec.data.ship: the eval.results gate uses the same rule)."""
    if [b["id"] for b in base] != [t["id"] for t in tuned]:
        raise StageError("base and fine-tuned results cover different eval personas. rerun base-eval and evaluate")
    return ship_decision(paired(base, tuned), settings.min_gain, settings.alpha)


def report(model: str, adapter: Path, d: dict[str, Any], settings: EvalSettings) -> str:
    verdict = "SHIP" if d["ship"] else "DO NOT SHIP"
    why = "\n".join(f"- {r}" for r in d["reasons"]) or "- every condition met"
    return (
        f"# Evaluation: {adapter} vs {model}\n\nWritten by `ftspec run evaluate` on {d['n']} eval personas.\n\n"
        f"| | mean score |\n|---|---|\n| base | {d['base_mean']:.3f} |\n| fine-tuned | {d['finetuned_mean']:.3f} |\n\n"
        f"Gain {d['gain']:+.3f} (needs >= {settings.min_gain}), paired t-test p = {d['p_value']:.3g} "
        f"(needs < {settings.alpha}), new safety failures: {d['safety_regressions']} (needs 0).\n\n"
        f"**Decision: {verdict}**\n\n{why}\n"
    )


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("evaluate", __doc__ or "")
    p.add_argument("--adapter", type=Path, help="The trained adapter (default: training.yaml output_dir).")
    p.add_argument("--out", type=Path, help="Judged replies JSONL (default DATA/eval/finetuned.jsonl).")
    p.add_argument("--report", type=Path, default=Path("evaluation-report.md"))
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    adapter = args.adapter or Path(spec.training.output_dir)
    if not (adapter / "adapter_config.json").is_file() and not (adapter / "config.json").is_file():
        raise StageError(f"{adapter}: no trained model here. run the train stage first")
    require_gates(spec, "evaluate", GATES)
    base = read_jsonl(args.data / "eval" / "base.jsonl")
    offline_env()
    tuned = run_eval(spec, adapter, args.data, args.out or args.data / "eval" / "finetuned.jsonl")
    decision = decide(base, tuned, spec.manifest.pipeline.eval)
    write_text(args.report, report(spec.training.base_model, adapter, decision, spec.manifest.pipeline.eval))
    if args.metrics:
        write_json(args.metrics, decision)
    print(f"evaluate: gain {decision['gain']:+.3f}, p = {decision['p_value']:.3g}, ship: {decision['ship']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
