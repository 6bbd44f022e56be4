"""What base-eval and evaluate share: the model under test talks with the eval personas, the rubric judges it.

Each eval persona is rolled out again, turn by turn: the user simulator plays the persona (the same prompt, persona,
flaws and turn count as in generate) and the model under test answers the whole conversation so far. Every record
carries the fingerprints of the rubric and judge panel it was judged with, so evaluate can refuse to compare a base
and a fine-tuned run judged differently.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from ftspec.backends import Backend, build_backend
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig
from ftspec.pipeline.assess import judge_configs, judges_of, rubric_of
from ftspec.pipeline.common import Checkpoint, Spec, fingerprint, read_jsonl
from ftspec.pipeline.judging import judge_transcript

Messages = list[dict[str, str]]
VERDICT_KEYS = ("kind", "model", "base_url", "temperature", "max_tokens", "adapter")  # not transport settings


def eval_items(data: Path, count: int) -> list[dict[str, Any]]:
    """``count`` eval personas, taken topic by topic in turn so every topic is covered (same for every model).

    Deterministic: the file's order within a topic, topics in order of first appearance.
    """
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for item in read_jsonl(data / "eval_personas.jsonl"):
        by_topic.setdefault(str(item.get("topic", "")), []).append(item)
    picked: list[dict[str, Any]] = []
    queues = list(by_topic.values())
    while len(picked) < count and any(queues):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


def judging_fingerprints(spec: Spec) -> dict[str, str]:
    """What a score depends on besides the reply: the rubric and the judge panel (model, prompt-relevant settings)."""
    judges = [{k: v for k, v in cfg.model_dump().items() if k in VERDICT_KEYS} for cfg in judge_configs(spec)]
    return {"rubric_fp": fingerprint(rubric_of(spec).model_dump()), "judges_fp": fingerprint(judges)}


def model_backend(spec: Spec, adapter: Path | None) -> Backend:
    """The model under test: the training spec's base model, with the trained adapter when given."""
    settings = spec.manifest.pipeline.eval
    cfg = BackendConfig(
        kind="transformers",
        model=spec.training.base_model,
        adapter=str(adapter) if adapter else None,
        max_tokens=settings.max_new_tokens,
        temperature=0.7,
    )
    return build_backend(cfg, "model")


def user_simulator(spec: Spec) -> Backend:
    if spec.manifest.backends is None:
        raise StageError(f"{spec.project.root}/ftspec.yaml: no `backends:` section. add user_simulator")
    return build_backend(spec.manifest.backends.user_simulator, "user_simulator")


async def rollout(spec: Spec, user: Backend, model: Backend, item: dict[str, Any]) -> Messages:
    """A fresh conversation with the eval persona: simulated user turns, the model under test's replies."""
    from ftspec.pipeline.generate import Generator

    gen = Generator(spec, user, model, spec.manifest.pipeline.generate.seed)
    messages: Messages = [{"role": "system", "content": gen.prompts["system_prompt"]}]
    turns = int(item.get("turns") or sum(m["role"] == "user" for m in item["messages"]) or 1)
    for turn in range(1, turns + 1):
        shown = gen.flaws_for(item, turn) if "primary_flaw" in item else []  # the persona's flaws, as in generate
        text = await user.chat([{"role": "user", "content": gen._user_prompt(item, messages, turn, shown)}])
        messages.append({"role": "user", "content": text.strip()})
        reply = await model.chat(messages)  # the model under test sees the chat itself, as it will in use
        messages.append({"role": "assistant", "content": reply.strip()})
    return messages


async def evaluate_model(
    spec: Spec, model: Backend, items: list[dict[str, Any]], out: Path, model_fp: str
) -> list[dict[str, Any]]:
    """Roll out and judge every eval persona, checkpointed to ``out``; results in item order."""
    from tqdm import tqdm

    rubric, judges, fps = rubric_of(spec), judges_of(spec), judging_fingerprints(spec)
    user = user_simulator(spec)
    user_cfg = spec.manifest.backends.user_simulator.model_dump() if spec.manifest.backends else {}
    run_fp = fingerprint(model_fp, fps, user_cfg)
    by_id = {i["id"]: i for i in items}
    with Checkpoint(out, lambda rid: fingerprint(run_fp, by_id.get(rid))) as checkpoint:
        todo = [i for i in items if i["id"] not in checkpoint.done]
        bar = tqdm(total=len(items), initial=len(items) - len(todo), desc=out.stem, unit="persona")
        for item in todo:  # one at a time: the local model is the bottleneck
            transcript = await rollout(spec, user, model, item)
            result = await judge_transcript(judges, rubric, transcript)
            checkpoint.append(
                {
                    "id": item["id"],
                    "topic": item.get("topic", ""),
                    "difficulty": item.get("cell", {}).get("difficulty"),
                    "messages": transcript,
                    **fps,
                    **result,
                }
            )
            bar.update()
        bar.close()
        return list(checkpoint.records([i["id"] for i in items]))


def run_eval(spec: Spec, adapter: Path | None, data: Path, out: Path) -> list[dict[str, Any]]:
    items = eval_items(data, spec.manifest.pipeline.eval.personas)
    model_fp = fingerprint(
        spec.training.base_model,
        spec.manifest.pipeline.eval.model_dump(),
        _files_digest(Path(spec.training.base_model)),
        _files_digest(adapter),
    )
    return asyncio.run(evaluate_model(spec, model_backend(spec, adapter), items, out, model_fp))


def _files_digest(folder: Path | None) -> str:
    """Hash of a model folder's files (weights included), so a retrained adapter is not served stale results."""
    if folder is None or not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    weights = (".safetensors", ".json", ".bin")
    for path in sorted(p for p in folder.rglob("*") if p.suffix in weights and p.name != "provenance.json"):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
