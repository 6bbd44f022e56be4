"""assess: judge every generated conversation with the rubric; checkpointed like generate.

Metrics: pass rate, errors, per-criterion failure counts, the pilot gate (>= 70% pass before scaling) and the
audit red flags of methodology.md section 4.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from ftspec.backends import Backend, build_backend
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig
from ftspec.models.rubric import Rubric
from ftspec.pipeline.audit import red_flags
from ftspec.pipeline.common import (
    Checkpoint,
    Spec,
    fingerprint,
    judging_fingerprint,
    load_spec,
    parser,
    read_jsonl,
    require_gates,
    run_main,
    write_json,
)
from ftspec.pipeline.judging import check_error_rate, error_counts, judge_transcript, scored

GATES = ("manifest.", "yaml.", "rubric.")
PILOT_PASS_RATE = 0.70


def rubric_of(spec: Spec) -> Rubric:
    loaded = spec.project.load("rubric")
    if loaded.missing or not loaded.ok:
        raise StageError(f"{loaded.rel}: missing or invalid. run `ftspec check` and fix it first")
    return loaded.value  # type: ignore[no-any-return]


def judge_configs(spec: Spec) -> list[BackendConfig]:
    if spec.manifest.backends is None:
        raise StageError(f"{spec.project.root}/ftspec.yaml: no `backends:` section. add `judges:`")
    return spec.manifest.backends.judges


def judges_of(spec: Spec) -> list[Backend]:
    return [build_backend(cfg, "judge") for cfg in judge_configs(spec)]


def summarise(rubric: Rubric, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass rate and mean over the scored transcripts, errors counted apart, per-criterion NO and ERROR counts."""
    failures: Counter[str] = Counter()
    errored: Counter[str] = Counter()
    for r in results:
        failures.update(cid for cid, v in r["verdicts"].items() if v == "NO")
        errored.update(cid for cid, v in r["verdicts"].items() if v == "ERROR")
    status = Counter(r["status"] for r in results)
    ok = scored(results)
    n = len(ok)
    return {
        "count": len(results),
        "scored": n,
        "pass_rate": round(sum(r["passed"] for r in ok) / n, 4) if n else 0.0,
        "mean_score": round(sum(r["score"] for r in ok) / n, 4) if n else 0.0,
        **error_counts(results),
        "safety_rejected": status["rejected"],
        "criterion_failures": {cid: failures[cid] for cid in rubric.criteria},
        "criterion_errors": {cid: errored[cid] for cid in rubric.criteria},
    }


async def run(spec: Spec, conversations: Path, out: Path, metrics: Path | None) -> int:
    from tqdm import tqdm

    rubric = rubric_of(spec)
    judges = judges_of(spec)
    records = read_jsonl(conversations)
    run_fp = judging_fingerprint(rubric, judge_configs(spec))
    by_id = {r["id"]: r["messages"] for r in records}
    with Checkpoint(out, lambda rid: fingerprint(run_fp, by_id.get(rid))) as checkpoint:
        todo = [r for r in records if r["id"] not in checkpoint.done]
        bar = tqdm(total=len(records), initial=len(records) - len(todo), desc="assess", unit="conv")
        limit = asyncio.Semaphore(max(cfg.concurrency for cfg in judge_configs(spec)))

        async def one(record: dict[str, Any]) -> None:
            async with limit:
                result = await judge_transcript(judges, rubric, record["messages"])
            checkpoint.append({"id": record["id"], **result})
            bar.update()

        await asyncio.gather(*(one(r) for r in todo))
        bar.close()
        results = list(checkpoint.records([r["id"] for r in records]))
    summary = summarise(rubric, results)
    summary["pilot_gate_passed"] = summary["pass_rate"] >= PILOT_PASS_RATE
    summary["red_flags"] = red_flags([r["messages"] for r in records])
    if metrics:
        write_json(metrics, summary)
    print(
        f"assess: {summary['count']} judged, pass rate {summary['pass_rate']:.1%} of {summary['scored']} scored, "
        f"{summary['errors']} errored"
    )
    check_error_rate(results, spec.manifest.pipeline.judging.max_error_rate, str(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("assess", __doc__ or "")
    p.add_argument("--out", type=Path, help="Assessments JSONL (default DATA/assessments.jsonl).")
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    require_gates(spec, "assess", GATES)
    rubric_of(spec)
    return asyncio.run(
        run(spec, args.data / "conversations.jsonl", args.out or args.data / "assessments.jsonl", args.metrics)
    )


if __name__ == "__main__":
    raise SystemExit(main())
