"""What base-eval and evaluate share: a model answers the eval personas' last user turn, the rubric judges it."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from ftspec.backends import Backend, build_backend
from ftspec.models.manifest import BackendConfig
from ftspec.pipeline.assess import judges_of, rubric_of
from ftspec.pipeline.common import Checkpoint, Spec, fingerprint, read_jsonl
from ftspec.pipeline.judging import judge_transcript


def eval_items(data: Path, count: int) -> list[dict[str, Any]]:
    """The first ``count`` eval personas (same for every model, so the comparison is paired)."""
    return read_jsonl(data / "eval_personas.jsonl")[:count]


def context_of(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """The conversation up to and including its last user message: what the model under test answers."""
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    return messages[: last_user + 1]


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


async def evaluate_model(
    spec: Spec, model: Backend, items: list[dict[str, Any]], out: Path, model_fp: str
) -> list[dict[str, Any]]:
    """Answer and judge every eval persona, checkpointed to ``out``; results in item order."""
    from tqdm import tqdm

    rubric, judges = rubric_of(spec), judges_of(spec)
    judge_cfgs = spec.manifest.backends.judges if spec.manifest.backends else []
    run_fp = fingerprint(model_fp, rubric.model_dump(), [c.model_dump() for c in judge_cfgs])
    by_id = {i["id"]: i["messages"] for i in items}
    checkpoint = Checkpoint(out, lambda rid: fingerprint(run_fp, by_id.get(rid)))
    todo = [i for i in items if i["id"] not in checkpoint.done]
    bar = tqdm(total=len(items), initial=len(items) - len(todo), desc=out.stem, unit="persona")
    for item in todo:  # one at a time: the local model is the bottleneck
        context = context_of(item["messages"])
        reply = await model.chat(context)
        transcript = [*context, {"role": "assistant", "content": reply}]
        result = await judge_transcript(judges, rubric, transcript)
        checkpoint.append(
            {
                "id": item["id"],
                "topic": item.get("topic", ""),
                "difficulty": item.get("cell", {}).get("difficulty"),
                "reply": reply,
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
