"""The placeholders ftspec's generator fills in each prompt (shared by the prompts gate and the generator)."""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "user_sim_prompt": frozenset({
        "persona", "communication_style", "word_limit", "flaws", "topic", "subtopic", "difficulty",
        "conversation_history", "turn", "max_turns", "trajectory",
    }),
    "assistant_prompt": frozenset({"system_prompt", "conversation_history", "user_message", "user_word_count"}),
    "system_prompt": frozenset(),
}


def placeholders_in(text: str) -> list[tuple[int, str]]:
    """(1-based line, name) of every `{name}` placeholder; `{{literal}}` braces are not placeholders."""
    out: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        out.extend((lineno, m.group(1)) for m in PLACEHOLDER.finditer(line))
    return out


def fill(template: str, values: dict[str, object]) -> str:
    """Substitute placeholders; `{{` and `}}` become literal braces."""
    text = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
    return text.replace("{{", "{").replace("}}", "}")
