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
import string
from collections.abc import Iterable, Mapping

# Lower-case text to words: punctuation (ASCII and common typographic marks) becomes spaces.
PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + "¿¡«»“”‘’–—…", " "))
# The same for ASCII text as a byte table: bytes.translate is a table lookup per byte, str.translate with a
# dict a mapping lookup per character (3x slower on chat text, which is mostly ASCII).
ASCII_PUNCTUATION = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))


def plain_words(lower: str) -> list[str]:
    """The words of a lower-cased text without punctuation (shared by duplicates, triggers and language)."""
    if lower.isascii():
        return lower.encode().translate(ASCII_PUNCTUATION).decode().split()
    return lower.translate(PUNCTUATION).split()

VENDOR_MODELS = r"(?:Claude|ChatGPT|GPT-?[345](?:\.\d)?o?|Gemini|Bard|Llama ?\d*|Qwen\d*|Mistral|DeepSeek|Copilot)"
VENDORS = r"(?:Anthropic|OpenAI|Google(?: DeepMind)?|Meta(?: AI)?|Mistral AI|Alibaba(?: Cloud)?|DeepSeek|Microsoft)"
I_AM = r"\b(?:I am|I['’]m|this is|my name is)"

MODELS = ("claude", "chatgpt", "gpt", "gemini", "bard", "llama", "qwen", "mistral", "deepseek", "copilot")
COMPANIES = ("anthropic", "openai", "google", "meta", "mistral", "alibaba", "deepseek", "microsoft")
# kind -> (pattern, triggers): the pattern is searched only in a message that holds one of its triggers, a
# lower-case word (a set lookup) or, for model names and symbols, a substring; most messages hold none, so the
# check costs little on normal chat.
BUILT_IN: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "self-identification as an AI model": (
        (rf"{I_AM} {VENDOR_MODELS}\b", MODELS),
        (rf"\b(?:made|created|developed|trained|built) by {VENDORS}\b", COMPANIES),
        (r"\bas an AI(?: language)? model\b", ("model",)),
        (rf"{I_AM} (?:an? |just an? )?(?:AI|artificial intelligence) (?:language )?model\b", ("model",)),
        (rf"{I_AM} (?:an? )?large language model\b", ("model",)),
    ),
    "refusal to continue the simulation": (
        (r"(?:\bnot|n['’]t|\bno longer) (?:going to |able to |willing to )?(?:continue|keep) "
         r"(?:generating|writing|producing|simulating|role-?playing|playing (?:this|the) (?:role|character))\b",
         ("continue", "keep")),
        (r"\b(?:generat|produc|writ|creat)(?:e|es|ed|ing) (?:this |more |the |any )?(?:training data|synthetic "
         r"(?:data|conversations?|dialogues?)|simulated (?:conversations?|dialogues?))\b",
         ("training", "synthetic", "simulated")),
        (r"\b(?:break|breaking|step(?:ping)? out of) "
         r"(?:character\b(?!\s+(?:traits?|strengths?|flaws?|arc))|the role-?play\b|the simulation\b)",
         ("character", "role-play", "roleplay", "simulation")),
    ),
    "simulator instructions or persona metadata": (
        (r"\b(?:primary|secondary) flaw(?: pattern)?\b", ("flaw",)),
        (r"\bflaw pattern\b", ("flaw",)),
        (r"\(\s*\d{1,3} ?% (?:likelihood|probability|chance)\s*\)", ("likelihood", "probability", "chance")),
        (r"\bword (?:limit|count|budget)\s*[:=(]", ("word limit", "word count", "word budget")),
        (r"\b(?:communication style|persona|user simulator|simulated user|system prompt)\s*:\s*\S",
         ("style", "persona", "simulator", "simulated", "prompt")),
        (r"\((?:terse|casual|formal|stream[- ]of[- ]consciousness)\b[^)\n]{0,20}\d+\s*[-–]\s*\d+ words\)",
         (" words)",)),
    ),
    "tool footer": (
        (r"(?im)^\s*Co-Authored-By:", ("co-authored",)),
        (r"(?im)^\s*Signed-off-by:", ("signed-off",)),
        (r"\bGenerated (?:with|by) \[?Claude(?: Code)?\b", ("generated",)),
        (r"🤖 Generated with", ("🤖",)),
    ),
    "unfilled template slot": (
        (r"(?<![{\w$%])\{[a-z][a-z0-9]*(?:_[a-z0-9]+)*\}(?!\})", ("{",)),
        (r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}", ("{",)),
        (r"\[\[[^\[\]\n]{1,60}\]\]", ("[",)),
        (r"\[(?:INSERT|PLACEHOLDER|YOUR|TODO|TBD)\b[^\]\n]{0,60}\]", ("[",)),
        (r"<(?:INSERT|PLACEHOLDER)\b[^>\n]{0,60}>", ("<",)),
    ),
}
Rule = tuple[str, "tuple[str, ...] | None", re.Pattern[str]]


class ArtifactFinder:
    """The built-in patterns (each behind its triggers) and a project's own; finds a text's first artifact."""

    def __init__(self, extra: Mapping[str, Iterable[str]] | None = None, ignore: Iterable[str] = ()) -> None:
        skip = set(ignore)
        self.rules: list[Rule] = [
            (kind, triggers, _compile(pattern))
            for kind, rules in BUILT_IN.items() if kind not in skip
            for pattern, triggers in rules
        ]
        for kind, patterns in (extra or {}).items():
            if kind not in skip:  # a project's patterns have no triggers: they always run
                listed = [patterns] if isinstance(patterns, str) else list(patterns)
                self.rules += [(kind, None, _compile(p)) for p in listed if _valid(p)]

        triggers = {t for _kind, listed, _p in self.rules for t in listed or ()}
        # Model names take suffixes (Qwen2, Llama3, GPT-4o): those stay substring tests.
        self.word_triggers = frozenset(t for t in triggers if t.isalpha() and t not in MODELS)
        self.text_triggers = tuple(sorted(triggers - self.word_triggers))
        self.always = any(listed is None for _kind, listed, _p in self.rules)

    def find(self, text: str, lower: str | None = None, words: Iterable[str] | None = None) -> tuple[str, str] | None:
        """(kind, matched text) of the first artifact in a text, or None; ``lower`` and ``words`` (its lower-case
        words without punctuation) may be passed when the caller has them already."""
        lower = text.lower() if lower is None else lower
        has = lower.__contains__  # map() over a C method: no Python frame per trigger
        # A whole-word trigger is a set lookup; a trigger with a space or a symbol, a substring test.
        if not self.always and self.word_triggers.isdisjoint(plain_words(lower) if words is None else words) \
                and not any(map(has, self.text_triggers)):
            return None
        for kind, triggers, pattern in self.rules:
            if triggers is not None and not any(map(has, triggers)):
                continue
            m = pattern.search(text)
            if m:
                return kind, m.group(0)
        return None


def _valid(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False  # data.artifacts reports it; the other gates sharing the pass go on without it
    return True


FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, 0 if FLAGS.match(pattern) else re.IGNORECASE)


def invalid_patterns(extra: Mapping[str, Iterable[str]]) -> list[str]:
    """The configured patterns that do not compile, with the reason."""
    bad = []
    for kind, patterns in extra.items():
        for p in [patterns] if isinstance(patterns, str) else patterns or ():
            try:
                re.compile(str(p))
            except re.error as exc:
                bad.append(f"{kind}: {p!r}: {exc}")
    return bad
