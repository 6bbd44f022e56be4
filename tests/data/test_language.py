"""The language check on a labelled set: an English project must flag every other language, and no English."""

from __future__ import annotations

from ftspec.data.language import LanguageCheck, codes_for, script
from tests.data.language_samples import SAMPLES


def _scores(check: LanguageCheck, declared: set[str]) -> tuple[float, float]:
    """Precision and recall of 'not a declared language' over the labelled samples."""
    flagged = [(lang, check.foreign(text) is not None) for lang, text in SAMPLES]
    tp = sum(hit and lang not in declared for lang, hit in flagged)
    fp = sum(hit and lang in declared for lang, hit in flagged)
    fn = sum(not hit and lang not in declared for lang, hit in flagged)
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def test_an_english_project_flags_every_other_language_and_no_english() -> None:
    precision, recall = _scores(LanguageCheck(["en"]), {"en"})
    assert precision == 1.0 and recall == 1.0, (precision, recall)


def test_a_bilingual_project_accepts_both_languages() -> None:
    precision, recall = _scores(LanguageCheck(["en", "es"]), {"en", "es"})
    assert precision == 1.0 and recall == 1.0, (precision, recall)


def test_a_chinese_project_flags_latin_script() -> None:
    check = LanguageCheck(["zh"])
    assert check.foreign(SAMPLES[0][1]) == "Latin script"
    assert all(check.foreign(text) is None for lang, text in SAMPLES if lang == "zh")


def test_short_replies_are_not_judged() -> None:
    check = LanguageCheck(["en"])
    assert check.foreign("Gracias, hasta luego.") is None and check.foreign("好的，谢谢。") is None


def test_script_reads_japanese_kana_over_kanji() -> None:
    assert script("今週は本当に大変だったと思います")[0] == "Kana"


def test_each_code_the_finding_names_makes_the_sample_pass() -> None:
    """data.language's fix names the codes to declare (a script's languages: 'Chinese characters' is zh, ja or
    ko); declaring any one of them must pass that turn, so the fix never leads to another failure."""
    english = LanguageCheck(["en"])
    named = 0
    for lang, text in SAMPLES:
        found = english.foreign(text)
        if found is None:
            continue
        codes = codes_for(found)
        assert lang in codes, (lang, found, codes)  # the sample's own language is among those named
        for code in codes:
            assert LanguageCheck(["en", code]).foreign(text) is None, (lang, found, code)
        named += 1
    assert named == sum(lang != "en" for lang, _ in SAMPLES)  # Latin-script languages and other scripts alike
    assert codes_for("Chinese characters") == ["zh", "ja", "ko"] and codes_for("es") == ["es"]
    assert codes_for("Klingon script") == []
