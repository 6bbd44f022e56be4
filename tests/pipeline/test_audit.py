"""The audit red flags of methodology.md section 4."""

from __future__ import annotations

from ftspec.pipeline.audit import length_ratio, phrase_repetition, praise_drift, red_flags, structure_uniformity


def _t(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    out = []
    for user, reply in pairs:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return out


def test_a_phrase_in_most_replies_is_flagged() -> None:
    ts = [_t(("a", f"I hear you, that sounds hard {i}")) for i in range(3)] + [_t(("b", "Something else entirely"))]
    share, phrase = phrase_repetition(ts)
    assert share == 0.75 and phrase in "i hear you that sounds hard"
    assert red_flags(ts)["phrase_repetition_flag"]


def test_identical_structure_everywhere_is_flagged() -> None:
    same = [_t(("q", "Point one.\n\n- a\n- b\n\nWhat next?")) for _ in range(3)]
    assert structure_uniformity(same) == 1.0 and red_flags(same)["structure_uniformity_flag"]
    varied = [*same, _t(("q", "Short answer."))]
    assert structure_uniformity(varied) == 0.75


def test_long_replies_are_flagged() -> None:
    ts = [_t(("one two", "one two three four five"))]
    assert length_ratio(ts) == 2.5 and red_flags(ts)["length_ratio_flag"]
    assert not red_flags([_t(("one two", "one two three"))])["length_ratio_flag"]


def test_praise_rising_late_is_flagged() -> None:
    ts = [_t(("x", "ok"), ("x", "fine"), ("x", "Great, amazing work"), ("x", "Excellent!"))]
    assert praise_drift(ts) == 1.5 and red_flags(ts)["late_praise_flag"]
    assert praise_drift([_t(("x", "Great"), ("x", "ok"))]) < 0
