"""Example shapes per approach."""

from __future__ import annotations

import pytest

from ftspec.data.formats import problems


def chat(*roles: str) -> dict[str, object]:
    return {"messages": [{"role": r, "content": f"{r} says something"} for r in roles]}


@pytest.mark.parametrize(
    "row", [chat("user", "assistant"), chat("system", "user", "assistant", "user", "assistant")]
)
def test_good_chats(row: dict[str, object]) -> None:
    assert problems(row, "messages") == []


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (chat("user", "user", "assistant"), "both user"),
        (chat("user", "assistant", "user"), "ends on 'user'"),
        (chat("user", "robot", "assistant"), "role 'robot'"),
        (chat("user", "system", "assistant"), "system message after the first"),
        ({"messages": []}, "empty"),
        ({"prompt": "p", "completion": "c"}, "no 'messages' list"),
        (
            {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "x"}]},
            "has no content",
        ),
    ],
)
def test_bad_chats(row: dict[str, object], fragment: str) -> None:
    assert any(fragment in p for p in problems(row, "messages")), problems(row, "messages")


def test_prompt_completion_and_preferences() -> None:
    assert problems({"prompt": "p", "completion": "c"}, "prompt-completion") == []
    assert problems({"prompt": "p"}, "prompt-completion") == ["missing 'completion'"]
    assert problems({"prompt": "p", "completion": 3}, "prompt-completion") == [
        "'completion' is int, not text"
    ]
    assert problems({"prompt": "p", "chosen": "a", "rejected": "b"}, "preference") == []
    same = problems({"prompt": "p", "chosen": "same", "rejected": " same "}, "preference")
    assert same and "identical" in same[0]
    conversational = {
        "prompt": [{"role": "user", "content": "q"}],
        "chosen": [{"role": "assistant", "content": "a"}],
        "rejected": [{"role": "assistant", "content": "b"}],
    }
    assert problems(conversational, "preference") == []
