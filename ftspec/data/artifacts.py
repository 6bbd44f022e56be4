"""Generation artifacts: text in a generated transcript that breaks character or leaks the generator.

A synthetic conversation is written by two models playing a user and a coach. When one of them steps out of
its role the transcript teaches the fine-tuned model to do the same: it names itself as a vendor's model, it
refuses to continue the simulation, it repeats the simulator's instructions (flaw patterns with their
likelihoods, word limits), a coding tool appends its footer, or a template slot was never filled. Each kind is
a few anchored patterns chosen to stay quiet on ordinary coaching chat (tests/data/test_artifacts.py holds the
normal-chat sentences they must not match); a project adds its own with ``gates: data.artifacts: {patterns:
{kind: regex}}`` and drops a kind with ``ignore: [kind]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

VENDOR_MODELS = r"(?:Claude|ChatGPT|GPT-?[345](?:\.\d)?o?|Gemini|Bard|Llama ?\d*|Qwen\d*|Mistral|DeepSeek|Copilot)"
VENDORS = r"(?:Anthropic|OpenAI|Google(?: DeepMind)?|Meta(?: AI)?|Mistral AI|Alibaba(?: Cloud)?|DeepSeek|Microsoft)"
I_AM = r"\b(?:I am|I['’]m|this is|my name is)"

BUILT_IN: dict[str, tuple[str, ...]] = {
    "self-identification as an AI model": (
        rf"{I_AM} {VENDOR_MODELS}\b",
        rf"\b(?:made|created|developed|trained|built) by {VENDORS}\b",
        r"\bas an AI(?: language)? model\b",
        rf"{I_AM} (?:an? |just an? )?(?:AI|artificial intelligence) (?:language )?model\b",
        rf"{I_AM} (?:an? )?large language model\b",
    ),
    "refusal to continue the simulation": (
        r"(?:\bnot|n['’]t|\bno longer) (?:going to |able to |willing to )?(?:continue|keep) "
        r"(?:generating|writing|producing|simulating|role-?playing|playing (?:this|the) (?:role|character))\b",
        r"\b(?:generat|produc|writ|creat)(?:e|es|ed|ing) (?:this |more |the |any )?(?:training data|synthetic "
        r"(?:data|conversations?|dialogues?)|simulated (?:conversations?|dialogues?))\b",
        r"\b(?:break|breaking|step(?:ping)? out of) "
        r"(?:character\b(?!\s+(?:traits?|strengths?|flaws?|arc))|the role-?play\b|the simulation\b)",
    ),
    "simulator instructions or persona metadata": (
        r"\b(?:primary|secondary) flaw(?: pattern)?\b",
        r"\bflaw pattern\b",
        r"\(\s*\d{1,3} ?% (?:likelihood|probability|chance)\s*\)",
        r"\bword (?:limit|count|budget)\s*[:=(]",
        r"\b(?:communication style|persona|user simulator|simulated user|system prompt)\s*:\s*\S",
        r"\((?:terse|casual|formal|stream[- ]of[- ]consciousness)\b[^)\n]{0,20}\d+\s*[-–]\s*\d+ words\)",
    ),
    "tool footer": (
        r"(?im)^\s*Co-Authored-By:",
        r"(?im)^\s*Signed-off-by:",
        r"\bGenerated (?:with|by) \[?Claude(?: Code)?\b",
        r"🤖 Generated with",
    ),
    "unfilled template slot": (
        r"(?<![{\w$%])\{[a-z][a-z0-9]*(?:_[a-z0-9]+)*\}(?!\})",
        r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}",
        r"\[\[[^\[\]\n]{1,60}\]\]",
        r"\[(?:INSERT|PLACEHOLDER|YOUR|TODO|TBD)\b[^\]\n]{0,60}\]",
        r"<(?:INSERT|PLACEHOLDER)\b[^>\n]{0,60}>",
    ),
}


class ArtifactFinder:
    """Every configured pattern compiled into one alternation per kind; finds the first artifact of a text."""

    def __init__(self, extra: Mapping[str, Iterable[str]] | None = None, ignore: Iterable[str] = ()) -> None:
        kinds: dict[str, list[str]] = {k: list(v) for k, v in BUILT_IN.items() if k not in set(ignore)}
        for kind, patterns in (extra or {}).items():
            kinds.setdefault(kind, []).extend([patterns] if isinstance(patterns, str) else patterns)
        self.kinds = [(kind, [_compile(p) for p in patterns]) for kind, patterns in kinds.items() if patterns]
        # A cheap pre-filter: most messages contain none of these characters/words and skip every pattern.
        self._any = re.compile("|".join(f"(?:{p.pattern})" for _k, ps in self.kinds for p in ps if not _inline(p)),
                               re.IGNORECASE)
        self._inline = [(k, p) for k, ps in self.kinds for p in ps if _inline(p)]

    def find(self, text: str) -> tuple[str, str] | None:
        """(kind, matched text) of the first artifact in a text, or None."""
        for kind, pattern in self._inline:
            m = pattern.search(text)
            if m:
                return kind, m.group(0)
        if not self._any.search(text):
            return None
        for kind, patterns in self.kinds:
            for pattern in patterns:
                m = pattern.search(text)
                if m:
                    return kind, m.group(0)
        return None


FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, 0 if FLAGS.match(pattern) else re.IGNORECASE)


def _inline(pattern: re.Pattern[str]) -> bool:
    """Patterns with their own inline flags cannot join the alternation (global flags must lead a pattern)."""
    return bool(FLAGS.match(pattern.pattern))


def invalid_patterns(extra: Mapping[str, Iterable[str]]) -> list[str]:
    """The configured patterns that do not compile, with the reason."""
    bad = []
    for kind, patterns in extra.items():
        for p in [patterns] if isinstance(patterns, str) else patterns:
            try:
                re.compile(p)
            except re.error as exc:
                bad.append(f"{kind}: {p!r}: {exc}")
    return bad
