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
        ({"prompt": "p", "completion": "c"}, "a prompt/completion record, not 'messages'"),
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


SHAREGPT = {"conversations": [{"from": "human", "value": "My boss ignores me."}, {"from": "gpt", "value": "How so?"}]}
ALPACA = {"instruction": "Give one tip for a hard talk with a boss.", "input": "", "output": "Write your points down."}
PROMPT = {"prompt": "My boss ignores me.", "completion": "How so?"}


@pytest.mark.parametrize(
    ("row", "named"),
    [(SHAREGPT, "a ShareGPT record ('conversations' of from/value)"),
     (ALPACA, "an Alpaca record (instruction/input/output)"),
     (PROMPT, "a prompt/completion record, not 'messages' (or set `data: {format: prompt-completion}`")],
)
def test_a_chat_in_another_common_format_is_named(row: dict[str, object], named: str) -> None:
    (problem,) = problems(row, "messages")
    assert problem.startswith(named)


def test_each_format_written_as_the_finding_says_passes() -> None:
    role = {"human": "user", "gpt": "assistant"}
    shared = {"messages": [{"role": role[t["from"]], "content": t["value"]} for t in SHAREGPT["conversations"]]}
    alpaca = {"messages": [{"role": "user", "content": ALPACA["instruction"]},
                           {"role": "assistant", "content": ALPACA["output"]}]}
    assert problems(shared, "messages") == problems(alpaca, "messages") == []
    assert problems(PROMPT, "prompt-completion") == []  # the other way out: declare the format it is in
