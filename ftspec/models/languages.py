"""The ISO 639-1 codes `languages:` in ftspec.yaml accepts, and the fix for a value that is none of them.

data.language judges a turn against the declared codes; a name ("english") or a regional tag ("en-US") was
accepted as it was written and then matched no language, so the check went on with less than it was told. The
184 codes are ISO 639-1 as the iso-codes project (Debian's, which pycountry ships) lists them; kept here because
the manifest is validated on every check's start-up path.
"""

from __future__ import annotations

import re

_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en "
    "eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja "
    "jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb "
    "nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so "
    "sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_CODES.split())
# English names of the languages a project most likely declares, for the fix of a name written instead.
NAMES = {
    "english": "en", "spanish": "es", "french": "fr", "german": "de", "italian": "it", "portuguese": "pt",
    "dutch": "nl", "chinese": "zh", "mandarin": "zh", "japanese": "ja", "korean": "ko", "russian": "ru",
    "ukrainian": "uk", "bulgarian": "bg", "belarusian": "be", "macedonian": "mk", "kazakh": "kk", "kyrgyz": "ky",
    "mongolian": "mn", "tajik": "tg", "serbian": "sr", "greek": "el", "arabic": "ar", "persian": "fa",
    "farsi": "fa", "urdu": "ur", "pashto": "ps", "hebrew": "he", "yiddish": "yi", "hindi": "hi", "marathi": "mr",
    "nepali": "ne", "thai": "th", "polish": "pl", "turkish": "tr", "swedish": "sv", "danish": "da",
    "norwegian": "no", "finnish": "fi", "czech": "cs", "hungarian": "hu", "romanian": "ro", "indonesian": "id",
    "vietnamese": "vi", "malay": "ms", "bengali": "bn", "tamil": "ta", "swahili": "sw", "catalan": "ca",
}
REGIONAL = re.compile(r"([A-Za-z]{2})[-_][A-Za-z0-9]+")  # en-US, pt_BR, zh-Hans


def language_code(value: str) -> str:
    """The value when it is an ISO 639-1 code; else ValueError("what is wrong. what to write")."""
    if value in ISO_639_1:
        return value
    raise ValueError(f"'{value}' is not an ISO 639-1 language code. {_fix(value)}")


def _fix(value: str) -> str:
    lower = value.strip().lower()
    regional = REGIONAL.fullmatch(lower)
    code = NAMES.get(lower) or (regional.group(1) if regional else lower)
    if code in ISO_639_1:
        why = " (data.language tells languages apart, not regions or scripts)" if regional else ""
        return f"write '{code}'{why}"
    return "write the language's two-letter code (en, es, zh, ...)"
