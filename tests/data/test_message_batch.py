"""The batch judge of ASCII messages gives the per-message verdicts exactly, artifacts and PII behind its
screens included."""

from __future__ import annotations

import builtins
import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ftspec.data.language import CLEARLY, WORDS_JUDGED, word_shares
from ftspec.data.message_batch import BATCH_FILE_BYTES, _clearly_declared, ascii_messages, preload
from ftspec.data.summary import Checks
from ftspec.data.tokens import counter
from ftspec.data.turns import Turns

from .test_artifacts import NORMAL_CHAT

PLANTED = [  # each must pass the screens and be found
    ("assistant", "I'm Claude, made by Anthropic. I'm not going to continue generating this data."),
    ("user", "my primary flaw pattern is emotional flooding (50% likelihood)"),
    ("assistant", "Sounds good.\nCo-Authored-By: Claude <noreply@anthropic.com>"),
    ("assistant", "Hi {user_name}, how was the interview? Dear [INSERT NAME], thanks."),
    ("user", "Communication style: terse (30-80 words)"),
    ("assistant", "Call me on +44 20 7946 0958 or write to jo.bloggs@gmail.com about it."),
    ("user", "My card is 4111 1111 1111 1111 and my SSN 123-45-6789."),
]
ODD = [
    ("assistant", ""),
    ("assistant", "   ...   !!!   "),
    ("user", "Word\x1cseparated\x1dby\x1eodd\x1fspaces,and\ttabs\r\nand\x0bmore\x0c."),
    ("assistant", "  leading and trailing  "),
    ("system", "No-punctuation_inside? (really) [x] {y} <z> 'q' \"w\" 12,000 $5 -- a/b"),
    ("assistant", "El trabajo que tienes es muy bueno y yo creo que puedes con todo lo que te propongas en la vida."),
    ("assistant", " ".join(["the and of you"] * 60) + " " + " ".join(["el la de que"] * 60)),
    ("tool", "x\x00y nul inside"),
    # 131 words: the 131st is not judged (an English share of 32/130, just under a clear 0.25: Spanish)
    ("assistant", " ".join(["the"] * 32 + ["que"] * 98 + ["the"])),
]
MESSAGES = [*PLANTED, *ODD, *(("assistant", text) for text in NORMAL_CHAT)]
preload(BATCH_FILE_BYTES)  # as the summary of a large file does: the batches need pyarrow.compute


def turns(**checks: Any) -> Turns:
    return Turns(Checks(**checks), counter(None), 512)


def each(judge: Turns, keys: list[tuple[str, str]]) -> list[Any]:
    return [judge._judge(role, text) for role, text in keys]


@pytest.mark.parametrize(
    "checks",
    [
        {},
        {"artifacts": (("house style", ("(?i)as per our policy",)),)},  # a project pattern: no screen
        {"ignore_artifacts": ("tool footer",), "artifact_roles": ("assistant",)},
        {"languages": ("en", "es"), "min_words": 3},
        {"languages": ("zh",)},
    ],
)
def test_the_batch_gives_the_verdicts_of_each_message(checks: dict[str, Any]) -> None:
    judge = turns(**checks)
    assert ascii_messages(judge, MESSAGES) == each(judge, MESSAGES)


def test_planted_artifacts_and_pii_pass_the_screens() -> None:
    found = ascii_messages(turns(), PLANTED)
    assert found is not None
    assert [bool(m.artifact or m.pii) for m in found] == [True] * len(PLANTED)
    assert found[1].artifact is not None and found[1].artifact[0] == "simulator instructions or persona metadata"
    assert {p.kind for p in found[5].pii} == {"phone number", "e-mail address"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["user", "assistant", "system"]),
                          st.text(alphabet=st.characters(max_codepoint=127), max_size=80)), min_size=1))
def test_any_ascii_text(keys: list[tuple[str, str]]) -> None:
    judge = turns()
    assert ascii_messages(judge, keys) == each(judge, keys)


WORD_TEXT = st.lists(
    st.sampled_from(["the", "and", "que", "el", "de", "porque", "x\x00y", "a\x00", "thee", "questoo", "b" * 9,
                     "a" + "\x00" * 256]),  # its length (257) wraps to 1 in a key's top byte: "a", if not left out
    max_size=140,
)
LONG = [["job"] * 129 + ["the"] * 60, ["job"] * 130 + ["the"] * 60, ["the"] * 33 + ["job"] * 100]  # past 130: unjudged


@settings(max_examples=300, deadline=None)
@example(LONG, ("en",))
@given(st.lists(WORD_TEXT, min_size=1), st.sampled_from([("en",), ("en", "es"), ("es", "it"), ("de",)]))
def test_clearly_declared_is_the_share_of_the_judged_words(texts: list[list[str]], languages: tuple[str, ...]) -> None:
    """The batch's shortcut past the language check, against its definition: of the first WORDS_JUDGED words,
    a declared language's function words are at least CLEARLY of them."""
    judge = turns(languages=languages)
    normals = [" ".join(words).encode() for words in texts]
    want = [max(word_shares(words[:WORDS_JUDGED], judge.language.profiled).values()) >= CLEARLY for words in texts]
    assert _clearly_declared(judge, normals) == (want if any(normals) else [False] * len(texts))


def test_without_pyarrow_the_caller_judges_each_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_arrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "pyarrow.compute")
    monkeypatch.setattr(builtins, "__import__", no_arrow)
    preload(BATCH_FILE_BYTES)
    judge = turns()
    assert ascii_messages(judge, MESSAGES) is None
    list(judge.batches([(1, {"messages": [{"role": r, "content": t} for r, t in MESSAGES]})]))
    assert [judge.memo[hash(key)] for key in MESSAGES] == each(turns(), MESSAGES)


def test_a_small_file_does_not_import_pyarrow_for_the_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "pyarrow.compute")
    preload(BATCH_FILE_BYTES - 1)
    assert "pyarrow.compute" not in sys.modules
    assert ascii_messages(turns(), MESSAGES) is None
