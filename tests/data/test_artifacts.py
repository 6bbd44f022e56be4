"""Generation artifacts: what breaks character, and the ordinary coaching chat that must stay quiet."""

from __future__ import annotations

import pytest

from ftspec.data.artifacts import ArtifactFinder, invalid_patterns

FINDER = ArtifactFinder()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm Claude, made by Anthropic.", "self-identification as an AI model"),
        ("As an AI language model, I cannot feel stress.", "self-identification as an AI model"),
        ("I am ChatGPT and I was trained by OpenAI.", "self-identification as an AI model"),
        ("I'm not going to continue generating this training data.", "refusal to continue the simulation"),
        ("I won't keep role-playing this scenario.", "refusal to continue the simulation"),
        ("Let me step out of character for a second.", "refusal to continue the simulation"),
        ("my primary flaw pattern is emotional flooding (50% likelihood)",
         "simulator instructions or persona metadata"),
        ("Communication style: terse (30-80 words)", "simulator instructions or persona metadata"),
        ("Word limit: 80", "simulator instructions or persona metadata"),
        ("Sounds good.\nCo-Authored-By: Claude <noreply@anthropic.com>", "tool footer"),
        ("🤖 Generated with Claude Code", "tool footer"),
        ("Hi {user_name}, how was the interview?", "unfilled template slot"),
        ("Tell [[PERSONA_NAME]] about the offer.", "unfilled template slot"),
        ("Dear [INSERT NAME], thanks for your time.", "unfilled template slot"),
        ("Hello {{ name }}!", "unfilled template slot"),
    ],
)
def test_finds(text: str, kind: str) -> None:
    found = FINDER.find(text)
    assert found is not None and found[0] == kind, found


NORMAL_CHAT = [
    "I hear you. It sounds like your manager moved the deadline again; what would help most this week?",
    "I'm a project manager and I am an introvert, so networking events drain me.",
    "I keep writing cover letters and nobody answers. I'm not going to continue applying blindly.",
    "Let's break character traits down: which strengths did your last review mention?",
    "Use the STAR method: situation, task, action, result. Keep each answer to about 200-300 words.",
    "My persona at work is calm, but inside I'm panicking about the reorg.",
    "Our team uses AI tools from OpenAI and Google every day; should I learn prompt engineering?",
    "I am an AI researcher looking for a new role in industry.",
    "Write down the three outcomes you want: a raise, a clear title, and fewer late meetings.",
    "She said the offer is 10% higher (before tax) than my current salary.",
    "Could you draft an email? Something like: Dear Ms Patel, thank you for the interview.",
    "That would be a primary goal for this quarter, with a secondary goal of mentoring one junior.",
    "I generated three options for the reply; which one feels most like you?",
    "You mentioned the simulation team at your company; is that the role you want?",
]


@pytest.mark.parametrize("text", NORMAL_CHAT)
def test_normal_coaching_chat_is_quiet(text: str) -> None:
    assert FINDER.find(text) is None


def test_projects_add_and_ignore_kinds() -> None:
    finder = ArtifactFinder({"internal note": [r"\bNOTE TO SELF\b"]}, ignore=["unfilled template slot"])
    assert finder.find("NOTE TO SELF: shorter replies") == ("internal note", "NOTE TO SELF")
    assert finder.find("Hi {user_name}") is None
    assert invalid_patterns({"broken": ["(unclosed"]}) and not invalid_patterns({"ok": r"\bfine\b"})
