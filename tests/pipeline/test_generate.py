"""Generation fidelity: one communication style per conversation, and the flaws asked for in each message recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ftspec.pipeline.common import load_spec
from ftspec.pipeline.generate import Generator, _value, plan


class Recorder:
    """Remembers every prompt; answers with a fixed line."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def chat(self, messages: list[dict[str, str]], response_format: Any = None) -> str:
        self.prompts.append(messages[-1]["content"])
        return "fine."


def test_one_style_per_conversation_and_the_flaws_shown_are_recorded(work: Path) -> None:
    spec = load_spec(Path("project"), Path("tiny.yaml"))
    taxonomy, personas = _value(spec, "taxonomy"), _value(spec, "personas")
    assert "communication_style" in taxonomy.taxonomy.dimensions  # the taxonomy has one too: it is not used
    items = plan(taxonomy, personas, 12, seed=3, max_turns=3)
    options = set(personas.persona_template.communication_style.options)
    assert all("communication_style" not in i["cell"] and i["communication_style"] in options for i in items)

    user = Recorder()
    gen = Generator(spec, user, Recorder(), seed=3)
    records = [asyncio.run(gen.conversation(i)) for i in items]
    flawed = [r for r in records if r["primary_flaw"]]
    assert flawed and any(any(shown) for r in flawed for shown in r["flaws_shown"])
    prompts = iter(user.prompts)
    for record in records:
        assert len(record["flaws_shown"]) == record["turns"]
        allowed = {record["primary_flaw"], *record["secondary_flaws"]} - {None}
        for shown in record["flaws_shown"]:
            prompt = next(prompts)
            assert set(shown) <= allowed
            assert f"Communication style: {record['communication_style']}." in prompt
            if shown:
                assert all(f"- {flaw}" in prompt for flaw in shown)
            else:
                assert "- none this message" in prompt
