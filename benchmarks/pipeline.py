"""Benchmark: the generate stage's conversations/s against a plain `openai` client loop, same server, same run.

Starts `transformers serve` on a free loopback port (tests/servers.py) with the tiny local model forced to a short
fixed reply, then times, interleaved over --rounds:

- ftspec: `generate.run` on the worked example (plan, prompts, the OpenAI backend, fsync'd checkpoint), and
- baseline: AsyncOpenAI with the same concurrency sending the very same requests (recorded from an untimed
  warm-up run of the stage), each conversation's requests in order, like the stage.

Prints conversations/s for each (best round) and the ratio ftspec / baseline (target >= 0.9).

    PYTHONPATH=$PWD python benchmarks/pipeline.py [--conversations 8] [--turns 1] [--concurrency 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ftspec.pipeline import generate, tiny_base  # noqa: E402
from ftspec.pipeline.common import load_spec  # noqa: E402
from ftspec.templates import template_dir  # noqa: E402
from tests.servers import forced_reply_model, transformers_serve, warm_up  # noqa: E402


def _project(work: Path, url: str, model: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    project = work / "project"
    shutil.copytree(template_dir("worked-example"), project)
    backend = {"kind": "openai", "base_url": url, "model": str(model), "concurrency": args.concurrency,
               "max_tokens": 32, "temperature": 0.0}
    overrides = {"manifest": {
        "backends": {"user_simulator": backend, "assistant": backend, "judges": [backend]},
        "pipeline": {"generate": {"conversations": args.conversations, "seed": 1, "max_turns": args.turns}},
    }}
    path = work / "bench.yaml"
    path.write_text(yaml.safe_dump(overrides))
    return project, path


def _record_requests(project: Path, overrides: Path, out: Path) -> list[list[list[dict[str, str]]]]:
    """Run the stage once (untimed) through a recording wrapper: each conversation's requests, in order."""
    by_conversation: dict[int, list[list[dict[str, str]]]] = {}
    real = generate.build_backend

    class Recording:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def chat(self, messages: list[dict[str, str]], response_format: Any = None) -> str:
            task = asyncio.current_task()
            by_conversation.setdefault(id(task), []).append(messages)
            return await self.inner.chat(messages)

    generate.build_backend = lambda cfg, role: Recording(real(cfg, role))  # type: ignore[assignment]
    try:
        asyncio.run(generate.run(load_spec(project, overrides), out, None))
    finally:
        generate.build_backend = real
    return list(by_conversation.values())


def _time_ftspec(project: Path, overrides: Path, out: Path) -> float:
    out.unlink(missing_ok=True)
    spec = load_spec(project, overrides)
    start = time.perf_counter()
    asyncio.run(generate.run(spec, out, None))
    return time.perf_counter() - start


def _time_baseline(url: str, model: Path, requests: list[list[list[dict[str, str]]]], concurrency: int) -> float:
    import openai

    async def main() -> None:
        client = openai.AsyncOpenAI(base_url=url, api_key="none", max_retries=0)
        limit = asyncio.Semaphore(concurrency)

        async def conversation(calls: list[list[dict[str, str]]]) -> None:
            async with limit:
                for messages in calls:
                    reply = await client.chat.completions.create(
                        model=str(model), messages=messages, max_tokens=32, temperature=0.0  # type: ignore[arg-type]
                    )
                    assert reply.choices[0].message.content

        await asyncio.gather(*(conversation(c) for c in requests))
        await client.close()

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conversations", type=int, default=8)
    p.add_argument("--turns", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tiny_base.main(["--out", str(work / "tiny"), "--vocab", "512"])
        model = forced_reply_model(work / "tiny", work / "chat", "Go on.")
        with transformers_serve(work / "serve.log") as url:
            warm_up(url, model)
            project, overrides = _project(work, url, model, args)
            requests = _record_requests(project, overrides, work / "warm.jsonl")
            assert len(requests) == args.conversations, "one request list per conversation"
            ours, theirs = [], []
            for _ in range(args.rounds):
                theirs.append(_time_baseline(url, model, requests, args.concurrency))
                ours.append(_time_ftspec(project, overrides, work / "timed.jsonl"))
    n = args.conversations
    ftspec_rate, baseline_rate = n / min(ours), n / min(theirs)
    print(f"requests per run: {sum(len(c) for c in requests)} ({n} conversations x {args.turns} turns x 2 roles), "
          f"concurrency {args.concurrency}, rounds {args.rounds}")
    print(f"baseline (plain AsyncOpenAI loop): {baseline_rate:.3f} conversations/s  rounds: "
          + ", ".join(f"{t:.2f}s" for t in theirs))
    print(f"ftspec generate stage:             {ftspec_rate:.3f} conversations/s  rounds: "
          + ", ".join(f"{t:.2f}s" for t in ours))
    print(f"ratio ftspec / baseline: {ftspec_rate / baseline_rate:.2f}x (target >= 0.9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
