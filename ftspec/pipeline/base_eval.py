"""base-eval: the base model on the eval personas, judged with the rubric; fills base-model-eval-results.

The decision band follows methodology.md section 1: >70% base may suffice (prompt engineering first),
50-70% fine-tuning likely helps, <50% fine-tuning needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
from ftspec.pipeline.judging import check_error_rate, error_counts, is_error, scored
from ftspec.pipeline.modeleval import run_eval

GATES = ("manifest.", "yaml.", "rubric.")


def decision_band(rate: float, high: float = 0.70, low: float = 0.50) -> str:
    if rate > high:
        return "prompt-engineering-first"
    return "fine-tuning-likely-helps" if rate >= low else "fine-tuning-needed"


def report(model: str, judged: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """base-model-eval-results.md (frontmatter the base-eval gates validate) and the metrics.

    Records a judge could not answer have no score: they are left out of the scenarios and the pass rate, and
    counted and named in the text; an error is never a pass. No date is written: the same inputs give the same
    file (and the same DVC hash); git records when it changed.
    """
    results = scored(judged)
    errored = [r["id"] for r in judged if is_error(r)]
    n = len(results)
    rate = round(sum(r["passed"] for r in results) / n, 3) if n else 0.0
    front = {
        "model": model,
        "pass_rate": rate,
        "decision": decision_band(rate),
        "scenarios": [
            {
                "id": r["id"],
                "topic": r["topic"] or "unknown",
                **({"difficulty": r["difficulty"]} if r.get("difficulty") else {}),
                "score": round(r["score"], 3),
                "passed": r["passed"],
                **({"safety_failures": list(r["safety_failures"])} if r["safety_failures"] else {}),
            }
            for r in results
        ],
    }
    body = (
        f"\n# Base-model evaluation: {model}\n\nWritten by `ftspec run base-eval`: {n} eval personas answered by "
        f"the base model and judged against the rubric.\n\n**Pass rate: {sum(r['passed'] for r in results)}/{n} "
        f"({rate:.1%}). Decision: {front['decision']}.**\n"
        + (
            f"\n{len(errored)} of {len(judged)} judged replies had a judge ERROR and are left out: "
            f"{', '.join(errored)}.\n"
            if errored
            else ""
        )
    )
    text = "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n" + body
    metrics = {
        "pass_rate": rate,
        "mean_score": round(sum(r["score"] for r in results) / n, 4) if n else 0.0,
        "decision": front["decision"],
        "count": len(judged),
        "scored": n,
        **error_counts(judged),
    }
    return text, metrics


def run(spec: Spec, data: Path, out: Path, report_path: Path, metrics: Path | None) -> int:
    results = run_eval(spec, None, data, out)
    check_error_rate(results, spec.manifest.pipeline.judging.max_error_rate, str(out))
    text, summary = report(spec.training.base_model, results)
    write_text(report_path, text)
    if metrics:
        write_json(metrics, summary)
    print(
        f"base-eval: pass rate {summary['pass_rate']:.1%} of {summary['scored']} scored ({summary['errors']} "
        f"errored), decision {summary['decision']}; wrote {report_path}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("base-eval", __doc__ or "")
    p.add_argument("--out", type=Path, help="Judged replies JSONL (default DATA/eval/base.jsonl).")
    p.add_argument("--report", type=Path, help="Where to write the results (default: the project's base_eval path).")
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    spec.training  # noqa: B018 - validates that the base model is named before loading anything
    require_gates(spec, "base-eval", GATES)
    offline_env()
    return run(
        spec,
        args.data,
        args.out or args.data / "eval" / "base.jsonl",
        args.report or spec.project.path("base_eval"),
        args.metrics,
    )


if __name__ == "__main__":
    raise SystemExit(main())
