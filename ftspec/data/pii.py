"""PII detectors: e-mail addresses, phone numbers, payment card numbers, IBANs and national ids.

Tuned for few false positives, because a data gate that cries wolf gets skipped: card numbers must pass the
Luhn check and carry a card-network prefix; IBANs and national ids are validated by python-stdnum (every
country's IBAN structure and check digits; Spanish DNI/NIE, Italian codice fiscale, French NIR); a phone
candidate must be a valid number for its country code, or for one of a few common regions when written in
national format, by phonenumbers (libphonenumber's metadata); public helplines (an allowlist with common
crisis lines preset) and reserved example domains (RFC 2606: example.com, .test, .invalid, ...) and
fictional 555 numbers are not reported. phonenumbers and stdnum are imported only when a text holds a
candidate, so a check without data never loads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b")
RESERVED_DOMAINS = re.compile(
    r"(^|\.)(example\.(com|org|net)|localhost|[^.]+\.(test|example|invalid|localhost))$", re.I
)
# Phone candidates: an international number (+ or 00, then 7-15 digits with optional separators), or a national
# one written with separators or brackets (a bare run of digits is an id, an amount or a year far more often).
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d(?:[ .\-/]?\(?\d\)?){6,16}(?![\w-])"
    r"|(?<![\w+.,/-])(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])(?:\d{2,4}(?:[ .-]\d{2,4}){1,3}|\d{5,8})(?![\w-]|[.,/]\d)"
)
CARD = re.compile(r"(?<![\d+-])\d(?:[ -]?\d){12,18}(?![\d-])")
CARD_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|6011|65|35|30[0-5]|36|38)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
NINO = re.compile(
    r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
# National ids with a check digit that python-stdnum validates: Spanish DNI/NIE, Italian codice fiscale,
# French NIR (social security number).
NATIONAL = re.compile(r"\b(?:[XYZ]?\d{7,8}-?[A-Z]|[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3} ?\d{2})\b")
FISCAL_PREFIX = re.compile(r"\d\d[A-EHLMPR-T]\d\d[A-Z]\d\d\d")
FISCAL_CODE = re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")
# Candidates only: a text without '@' or a run of digits cannot hold any of the above, and most text has none.
ASCII_DIGITS = "0123456789"
LONG_DIGITS = re.compile(r"\d[\d .()/-]{5,}\d")
DIGITS = re.compile(r"\d(?:[\d .()/-]{5,}\d|\d[A-EHLMPR-T]\d\d[A-Z]\d\d\d)")
# Phone regions tried for numbers written without a country code (+44 ...), in this order.
REGIONS = ("US", "GB", "DE", "FR", "CA", "AU", "IE", "ES", "IT", "NL")
# Public helplines a transcript may rightly give out: not personal data (extend with gates.data.pii.allow).
CRISIS_LINES = (
    "988", "1-800-273-8255", "741741", "1-800-799-7233", "1-800-656-4673", "1-866-488-7386",  # US
    "1-833-456-4566", "1-800-668-6868",  # Canada
    "116 123", "116 111", "0800 58 58 58", "0800 068 4141", "0800 1111", "0300 123 3393", "0808 808 4994",  # UK
    "1800 247 247", "01 45 39 40 00", "3114",  # Ireland, France
    "0800 1110111", "0800 1110222", "0800 111 0 333",  # Germany
    "13 11 14", "1800 55 1800", "1300 22 4636",  # Australia
    "1737", "0800 543 354",  # New Zealand
    "112", "911", "999",
)


PLACEHOLDERS = {
    "e-mail address": "[EMAIL]",
    "phone number": "[PHONE]",
    "card number": "[CARD]",
    "IBAN": "[IBAN]",
    "US social security number": "[SSN]",
    "UK national insurance number": "[NINO]",
}


@dataclass(frozen=True)
class PiiMatch:
    """One detected piece of personal data: its kind and the text (mask it before printing)."""

    kind: str
    text: str

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS.get(self.kind, "[REDACTED]")

    def masked(self) -> str:
        """The match with its middle hidden, enough to find it without repeating it."""
        keep = max(1, len(self.text) // 5)
        return self.text[:keep] + "*" * (len(self.text) - 2 * keep) + self.text[-keep:]


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class Allowlist:
    """Public numbers and addresses that are not personal data: helplines, the project's own contact."""

    def __init__(self, entries: tuple[str, ...] = ()) -> None:
        self.texts = {e.strip().lower() for e in entries if "@" in e}
        self.numbers = {_digits(e).lstrip("0") for e in entries if "@" not in e and len(_digits(e)) >= 3}

    def allows(self, match: PiiMatch) -> bool:
        if "@" in match.text:
            return match.text.lower() in self.texts
        digits = _digits(match.text).lstrip("0")
        # +49 800 1110111 is 0800 1110111 dialled from abroad; 800-273-8255 is 1-800-273-8255 without the 1.
        return any(digits.endswith(n) or (n.endswith(digits) and len(digits) >= 7) for n in self.numbers)


def find_pii(text: str, allow: Allowlist | None = None) -> Iterator[PiiMatch]:
    """Every piece of personal data in a text, except what the allowlist accepts."""
    for match in _candidates(text):
        if allow is None or not allow.allows(match):
            yield match


def may_hold_pii(text: str) -> bool:
    """False when a text cannot hold any kind of PII found here (no '@' and no digit): most chat text."""
    return "@" in text or _may_hold_digits(text)


def _may_hold_digits(text: str) -> bool:
    # Ten memchr scans cost a quarter of the regex; \d matches other scripts' digits, so only ASCII text
    # is ruled out by them.
    return not text.isascii() or any(map(text.__contains__, ASCII_DIGITS))


def _candidates(text: str) -> Iterator[PiiMatch]:
    if "@" in text:
        for m in EMAIL.finditer(text):
            if not RESERVED_DOMAINS.search(m.group(1)):
                yield PiiMatch("e-mail address", m.group(0))
    if not _may_hold_digits(text) or not DIGITS.search(text):  # every number, IBAN and fiscal code holds one
        return
    if LONG_DIGITS.search(text):  # every number below, and every IBAN, holds a run of 7+ digits (or separators)
        yield from _numbers(text)
        for m in IBAN.finditer(text):
            if _iban().is_valid(m.group(0)):
                yield PiiMatch("IBAN", m.group(0))
    if FISCAL_PREFIX.search(text):
        for m in FISCAL_CODE.finditer(text):
            if national_id_ok(m.group(0)):
                yield PiiMatch("national id number", m.group(0))


def _numbers(text: str) -> Iterator[PiiMatch]:
    taken: list[tuple[int, int]] = []  # a card or SSN is not also a phone number
    for m in CARD.finditer(text):
        digits = _digits(m.group(0))
        if CARD_PREFIX.match(digits) and luhn_ok(digits) and len(set(digits)) > 2:
            taken.append(m.span())
            yield PiiMatch("card number", m.group(0))
    for m in SSN.finditer(text):
        taken.append(m.span())
        yield PiiMatch("US social security number", m.group(0))
    for m in PHONE.finditer(text):
        overlaps = any(a < m.end() and m.start() < b for a, b in taken)
        if not overlaps and phone_ok(m.group(0)):
            yield PiiMatch("phone number", m.group(0).strip())
    for m in NINO.finditer(text):
        yield PiiMatch("UK national insurance number", m.group(0))
    for m in NATIONAL.finditer(text):
        if national_id_ok(m.group(0)):
            yield PiiMatch("national id number", m.group(0))


def phone_ok(candidate: str) -> bool:
    """A valid number (libphonenumber's metadata) from its country code, or in one of REGIONS; NANP
    555-0100..0199 numbers are fictional."""
    import phonenumbers

    digits = _digits(candidate)
    if not 7 <= len(digits) <= 15 or len(set(digits)) < 3:
        return False
    text = "+" + candidate.lstrip()[2:] if candidate.lstrip().startswith("00") else candidate
    international = text.lstrip().startswith("+")
    # Written nationally, a number starts with its trunk prefix 0 (most of Europe, Australia) or has the 10
    # digits of North America (1 in front); dates (2024-01-15) and amounts (45 000) have neither shape.
    if not international and not (digits[0] == "0" or len(digits) == 10 or len(digits) == 11 and digits[0] == "1"):
        return False
    for region in (None,) if international else REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            national = str(number.national_number)
            return not (number.country_code == 1 and national[3:7] == "5550" and national[7] == "1")
    return False


def national_id_ok(candidate: str) -> bool:
    """A Spanish DNI/NIE, an Italian codice fiscale or a French NIR with a correct check character."""
    from stdnum.es import dni, nie
    from stdnum.fr import nir
    from stdnum.it import codicefiscale

    return any(module.is_valid(candidate) for module in (dni, nie, codicefiscale, nir))


def _iban() -> Any:
    from stdnum import iban

    return iban
