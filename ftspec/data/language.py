"""Which language an assistant turn is written in, against the languages a project declares.

Two steps, cheapest first. The script of a turn's letters (Latin, Han, Cyrillic, Arabic, ...) settles most
cases for nothing: a Chinese answer in an English project is caught without a model, and an all-ASCII turn is
Latin without looking at a character. A Latin-script turn is then told apart by the share of its words that
are the function words of each of seven common languages (en, es, fr, de, it, pt, nl); only a clear winner
over every declared language counts, and short replies ("OK, thanks!") are not judged at all.

Why not a language-identification library: py3langid (the maintained langid.py fork) took 4 s to load its
model and ~1.3 ms per turn here, a minute for a 90 MB corpus against a 10 s budget for every data gate. On the
labelled set in tests/data/language_samples.py this detector and py3langid are compared by
benchmarks/language_id.py (figures in benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SCRIPTS = {
    "Han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "Kana": re.compile(r"[\u3040-\u30ff]"),
    "Hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "Greek": re.compile(r"[\u0370-\u03ff]"),
    "Arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "Hebrew": re.compile(r"[\u0590-\u05ff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]"),
    "Latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}
NON_LATIN = re.compile("|".join(rx.pattern for name, rx in SCRIPTS.items() if name != "Latin"))
# The scripts a language is written in (ISO 639-1); every language not listed is written in Latin script.
LANGUAGE_SCRIPTS = {
    "zh": {"Han"},
    "ja": {"Han", "Kana"},
    "ko": {"Hangul", "Han"},
    **{code: {"Cyrillic"} for code in ("ru", "uk", "bg", "be", "mk", "kk", "ky", "mn", "tg")},
    "sr": {"Cyrillic", "Latin"},
    "el": {"Greek"},
    **{code: {"Arabic"} for code in ("ar", "fa", "ur", "ps")},
    **{code: {"Hebrew"} for code in ("he", "yi")},
    **{code: {"Devanagari"} for code in ("hi", "mr", "ne")},
    "th": {"Thai"},
}
SCRIPT_NAMES = {"Han": "Chinese characters", "Kana": "Japanese kana", "Hangul": "Korean Hangul"}
SCRIPT_SAMPLE = 400  # characters whose script is counted: a paragraph tells
WORD_SAMPLE = 800  # characters whose words are counted: ~130 words
WORDS_JUDGED = 130
CLEARLY = 0.25  # a declared language's function words are a quarter of the words: no other language comes near
SAMPLE = 2000  # characters of a turn looked at: enough to tell its language, bounded for a 200 MB line


def codes_for(found: str) -> list[str]:
    """The codes a project could declare to speak what :meth:`LanguageCheck.foreign` found: the code itself for
    a language, the languages written in it for a script ("Chinese characters": zh, ja, ko)."""
    if found in PROFILES:
        return [found]
    names = {SCRIPT_NAMES.get(name, f"{name} script"): name for name in SCRIPTS}
    name = names.get(found)
    return [code for code, scripts in LANGUAGE_SCRIPTS.items() if name in scripts] if name else []


def scripts_of(languages: Iterable[str]) -> set[str]:
    return set().union(*(LANGUAGE_SCRIPTS.get(code, {"Latin"}) for code in languages))


def script(text: str) -> tuple[str, int]:
    """The dominant script of a text's letters and how many letters it has in that script."""
    sample = text[:SAMPLE]
    if sample.isascii():  # counting letters would cost more than it tells: the word count decides next
        return "Latin", len(sample)
    sample = sample[:SCRIPT_SAMPLE]
    others = "".join(NON_LATIN.findall(sample))
    if len(others) * 4 < len(sample):  # accented Latin (é, ñ, ü) with at most a quoted word in another script
        return "Latin", len(sample)
    counts = {name: len(rx.findall(others)) for name, rx in SCRIPTS.items() if name != "Latin"}
    best = max(counts, key=counts.__getitem__)
    if best == "Han" and counts["Kana"]:
        best = "Kana"  # Japanese mixes kanji with kana; kana alone marks it
    return best, counts[best]


# Function words that carry no topic: a text's share of each list tells Latin-script languages apart.
FUNCTION_WORDS = {
    "en": "the and to of a in is that it you for with this on are be have not was what your can my do but so if "
    "about how they we at will would there or an as i me",
    "es": "el la de que y en los las del se por un una con para es no lo más pero su al como muy está estoy yo "
    "me mi tu te qué porque también",
    "fr": "le la les de des et est un une que qui en du pour pas ne je vous il elle au avec sur ce cette mais très "
    "suis être avoir tu",
    "de": "der die das und ist nicht ich sie es ein eine zu den mit von auf für dem auch sich wir ihr du aber wie "
    "noch bin sind",
    "it": "il lo la di che e è un una per non con sono mi ti ma anche come della del questo molto ho hai gli",
    "pt": "o a os as de que e do da em um uma para com não se por mais mas como eu você está muito isso ser tem",
    "nl": "de het een en van is dat niet ik je die op te zijn met voor er maar ook wat dan hij ze we heb",
}
PROFILES = {code: frozenset(words.split()) for code, words in FUNCTION_WORDS.items()}
PUNCTUATION = ".,;:!?¿¡()[]{}\"'«»“”‘’-–—…*`"


def judged_words(text: str, words: list[str] | None = None) -> list[str]:
    """The first lower-case words of a text without punctuation (``words``: all of them, when known)."""
    if words is None:
        return [w.strip(PUNCTUATION) for w in text[:WORD_SAMPLE].lower().split()]
    return words[:WORDS_JUDGED]


def word_shares(words: list[str], codes: Iterable[str] = PROFILES) -> dict[str, float]:
    """Per profiled language, the share of the words that are its function words."""
    total = len(words) or 1
    return {code: sum(map(PROFILES[code].__contains__, words)) / total for code in codes}


class LanguageCheck:
    """Decides whether a turn is in one of the declared languages; None when it is, or too short to tell."""

    def __init__(self, languages: Iterable[str], min_words: int = 12, margin: float = 1.5) -> None:
        self.languages = {code.lower() for code in languages}
        self.scripts = scripts_of(self.languages)
        self.min_words, self.margin = min_words, margin
        # A Latin-script language without a profile could be mistaken for a profiled one: judge scripts only.
        latin = {code for code in self.languages if "Latin" in LANGUAGE_SCRIPTS.get(code, {"Latin"})}
        self.by_words = bool(latin) and latin <= set(PROFILES)
        self.profiled, self.others = self.languages & PROFILES.keys(), PROFILES.keys() - self.languages

    def foreign(self, text: str, words: list[str] | None = None) -> str | None:
        """The language or script a turn is written in when it is not a declared one, else None."""
        name, letters = script(text)
        if letters < 2 * self.min_words:
            return None
        if name not in self.scripts:
            return SCRIPT_NAMES.get(name, f"{name} script")
        if name != "Latin" or not self.by_words or len(text.split(None, self.min_words)) <= self.min_words:
            return None
        judged = judged_words(text, words)
        declared = max(word_shares(judged, self.profiled).values())
        if declared >= CLEARLY:
            return None
        shares = word_shares(judged, self.others)
        best = max(shares, key=shares.__getitem__)
        return best if shares[best] >= 0.15 and shares[best] > self.margin * declared else None
