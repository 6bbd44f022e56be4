"""generate: taxonomy cells x personas sampled with a seed, simulated users and assistant replies, checkpointed.

Every finished conversation is appended (fsync) to the JSONL output; a rerun after a crash skips the ids already
there, so a killed run resumes without losing or duplicating a record. The same seed gives the same plan.

The communication style comes from the persona template alone (it is drawn once per conversation; its
`style_word_limits` belong to it): a taxonomy `communication_style` dimension is not used and not recorded, so
no record carries two styles that disagree. Each record lists the flaws the user simulator was asked to show in
each of its messages (`flaws_shown`, one list per user turn), so flaw rates can be audited against the template.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from ftspec.backends import Backend, build_backend, content_settings
from ftspec.errors import StageError
from ftspec.models.persona import PersonaTemplate
from ftspec.models.taxonomy import InputTaxonomy
from ftspec.pipeline.common import (
    Checkpoint,
    Spec,
    fingerprint,
    load_spec,
    parser,
    require_gates,
    run_main,
    write_json,
)
from ftspec.prompts import fill

GATES = ("manifest.", "yaml.", "taxonomy.", "personas.", "prompts.")
PERSONA_OWNED = frozenset({"communication_style"})
DEFAULT_TURNS = (3, 6)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def plan(
    taxonomy: InputTaxonomy, personas: PersonaTemplate, count: int, seed: int, max_turns: int | None = None
) -> list[dict[str, Any]]:
    """The conversations to generate: one taxonomy cell and one persona each, fixed by the seed."""
    rng = random.Random(seed)
    body = personas.persona_template
    flaws = [f.name for f in body.flaw_patterns.patterns]
    out = []
    for index in range(count):
        topic = rng.choices(taxonomy.taxonomy.topics, [t.weight for t in taxonomy.taxonomy.topics])[0]
        subs = [s if isinstance(s, str) else s.name for s in topic.subtopics] or [topic.name]
        # A dimension the persona template owns is drawn there, once; its draw here is still made (and dropped)
        # so that a seed keeps giving the same topics and personas as before.
        drawn = {name: _pick(rng, dim) for name, dim in sorted(taxonomy.taxonomy.dimensions.items())}
        cell = {name: value for name, value in drawn.items() if name not in PERSONA_OWNED}
        style = _pick(rng, dict(zip(body.communication_style.options, body.communication_style.weights, strict=True)))
        persona = {
            name: _pick(rng, dict(zip(d.options, d.weights, strict=True)))
            for name, d in sorted(body.dimensions.items())
        }
        shuffled = rng.sample(flaws, len(flaws))
        no_flaw = rng.random() < body.flaw_patterns.no_flaw_share
        low, high = _turn_range(taxonomy, cell.get("conversation_length"))
        turns = rng.randint(low, high)
        out.append(
            {
                "id": f"conv-{index:05d}",
                "topic": topic.name,
                "subtopic": rng.choice(subs),
                "cell": cell,
                "communication_style": style,
                "persona": persona,
                "primary_flaw": None if no_flaw else shuffled[0],
                "secondary_flaws": [] if no_flaw else shuffled[1:3],
                "turns": min(turns, max_turns) if max_turns else turns,
            }
        )
    return out


def _turn_range(taxonomy: InputTaxonomy, length: str | None) -> tuple[int, int]:
    tr = taxonomy.turn_ranges.get(length or "")
    return (tr.min, tr.max) if tr else DEFAULT_TURNS


class Generator:
    """Runs one conversation: the user simulator speaks, the assistant answers, turn by turn."""

    def __init__(self, spec: Spec, user: Backend, assistant: Backend, seed: int) -> None:
        project = spec.project
        self.personas: PersonaTemplate = _value(spec, "personas")
        self.prompts = {name: _text(spec, name) for name in ("system_prompt", "user_sim_prompt", "assistant_prompt")}
        self.user, self.assistant, self.seed = user, assistant, seed
        self.root = project.root

    async def conversation(self, item: dict[str, Any]) -> dict[str, Any]:
        messages: list[dict[str, str]] = [{"role": "system", "content": self.prompts["system_prompt"]}]
        flaws_shown: list[list[str]] = []
        thinking: dict[str, str] = {}  # message index -> a reasoning model's thinking, kept out of the transcript
        for turn in range(1, item["turns"] + 1):
            shown = self.flaws_for(item, turn)
            flaws_shown.append(shown)
            prompt = self._user_prompt(item, messages, turn, shown)
            user_text = await self.user.chat([{"role": "user", "content": prompt}])
            _keep_thinking(thinking, len(messages), user_text)
            messages.append({"role": "user", "content": user_text.strip()})
            reply = await self.assistant.chat([{"role": "user", "content": self._assistant_prompt(messages)}])
            _keep_thinking(thinking, len(messages), reply)
            messages.append({"role": "assistant", "content": reply.strip()})
        record = {**item, "flaws_shown": flaws_shown, "messages": messages}
        return {**record, "reasoning": thinking} if thinking else record

    def flaws_for(self, item: dict[str, Any], turn: int) -> list[str]:
        """The flaws the simulated user shows in one message: drawn per message at the template's rates."""
        rng = random.Random(f"{self.seed}:{item['id']}:{turn}")  # flaws vary per message, reproducibly
        rates = self.personas.persona_template.flaw_patterns
        shown = [f for f in [item["primary_flaw"]] if f and rng.random() < rates.primary_rate]
        shown += [f for f in item["secondary_flaws"] if rng.random() < rates.secondary_rate]
        return shown

    def _user_prompt(self, item: dict[str, Any], messages: list[dict[str, str]], turn: int, shown: list[str]) -> str:
        limit = self.personas.style_word_limits.get(item["communication_style"])
        return fill(
            self.prompts["user_sim_prompt"],
            {
                "persona": ", ".join(f"{k}: {v}" for k, v in item["persona"].items()) or "an ordinary user",
                "communication_style": item["communication_style"],
                "word_limit": f"{limit.min}-{limit.max}" if limit else "20-200",
                "flaws": "\n".join(f"- {f}" for f in shown) or "- none this message",
                "topic": item["topic"],
                "subtopic": item["subtopic"],
                "difficulty": item["cell"].get("difficulty", ""),
                "conversation_history": history(messages) or "(none yet)",
                "turn": turn,
                "max_turns": item["turns"],
                "trajectory": item["persona"].get("trajectory", "stable"),
            },
        )

    def _assistant_prompt(self, messages: list[dict[str, str]]) -> str:
        last = messages[-1]["content"]
        return fill(
            self.prompts["assistant_prompt"],
            {
                "system_prompt": self.prompts["system_prompt"],
                "conversation_history": history(messages[:-1]) or "(none)",
                "user_message": last,
                "user_word_count": len(last.split()),
            },
        )


def _keep_thinking(thinking: dict[str, str], index: int, reply: str) -> None:
    text = getattr(reply, "reasoning", "")
    if text:
        thinking[str(index)] = text


def history(messages: list[dict[str, str]]) -> str:
    """User and assistant turns as `Role: text` lines (the system prompt is not history)."""
    return "\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages if m["role"] != "system")


def _value(spec: Spec, name: str) -> Any:
    loaded = spec.project.load(name)
    if not loaded.ok or loaded.missing:
        raise StageError(f"{loaded.rel}: missing or invalid. run `ftspec check` and fix it first")
    return loaded.value


def _text(spec: Spec, name: str) -> str:
    return str(_value(spec, name).text)


async def run(spec: Spec, out: Path, metrics: Path | None) -> int:
    """Generate every planned conversation not yet in ``out``."""
    from tqdm import tqdm

    settings = spec.manifest.pipeline.generate
    backends = spec.manifest.backends
    if backends is None:
        raise StageError(f"{spec.project.root}/ftspec.yaml: no `backends:` section. add user_simulator and assistant")
    items = plan(
        _value(spec, "taxonomy"),
        _value(spec, "personas"),
        settings.conversations,
        settings.seed,
        settings.max_turns,
    )
    run_fp = fingerprint(
        content_settings(backends.user_simulator),  # transport settings (timeout, retries...) reuse records
        content_settings(backends.assistant),
        settings.seed,
        {n: _text(spec, n) for n in ("system_prompt", "user_sim_prompt", "assistant_prompt")},
        _value(spec, "personas").model_dump(),
    )
    by_id = {i["id"]: i for i in items}
    with Checkpoint(out, lambda rid: fingerprint(run_fp, by_id.get(rid))) as checkpoint:
        todo = [i for i in items if i["id"] not in checkpoint.done]
        gen = Generator(
            spec,
            build_backend(backends.user_simulator, "user_simulator"),
            build_backend(backends.assistant, "assistant"),
            settings.seed,
        )
        bar = tqdm(total=len(items), initial=len(items) - len(todo), desc="generate", unit="conv")
        limit = asyncio.Semaphore(max(backends.user_simulator.concurrency, backends.assistant.concurrency))

        async def one(item: dict[str, Any]) -> None:
            async with limit:
                record = await gen.conversation(item)
            checkpoint.append(record)
            bar.update()

        await asyncio.gather(*(one(i) for i in todo))
        bar.close()
    if metrics:
        write_json(metrics, {"conversations": len(checkpoint.done), "generated_this_run": len(todo)})
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, argv)


def _main(argv: list[str] | None) -> int:
    p = parser("generate", __doc__ or "")
    p.add_argument("--out", type=Path, help="Conversations JSONL (default DATA/conversations.jsonl).")
    p.add_argument("--metrics", type=Path, help="Write a metrics JSON here.")
    args = p.parse_args(argv)
    spec = load_spec(args.project, args.overrides)
    require_gates(spec, "generate", GATES)
    return asyncio.run(run(spec, args.out or args.data / "conversations.jsonl", args.metrics))


if __name__ == "__main__":
    raise SystemExit(main())
