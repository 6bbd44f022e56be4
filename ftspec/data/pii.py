"""PII detectors: e-mail addresses, phone numbers, payment card numbers, IBANs and national ids.

Tuned for few false positives, because a data gate that cries wolf gets skipped: card numbers must pass the
Luhn check and carry a card-network prefix, IBANs the ISO 13616 mod-97 check and their country's length,
phone numbers need a separator-formatted shape (not any run of digits), and reserved example domains
(RFC 2606: example.com, .test, .invalid, ...) and fictional 555 numbers are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b")
RESERVED_DOMAINS = re.compile(
    r"(^|\.)(example\.(com|org|net)|localhost|[^.]+\.(test|example|invalid|localhost))$", re.I
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])(\d{3})[ .-]\d{4}(?![\w-])"
    r"|(?<![\w+])\+\d{2,3}(?:[ .-]\d{2,5}){2,5}(?![\w-])"
)
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
CARD_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|6011|65|35|30[0-5]|36|38)")
IBAN = re.compile(r"\b([A-Z]{2})(\d{2})((?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")
IBAN_LENGTHS = {
    "AD": 24,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
    "AE": 23,
    "SA": 24,
    "IL": 23,
    "BR": 29,
}
SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
NINO = re.compile(
    r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
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


def iban_ok(country: str, check: str, rest: str) -> bool:
    """ISO 13616: the country's length and the mod-97 check."""
    body = rest.replace(" ", "")
    if IBAN_LENGTHS.get(country) != 4 + len(body):
        return False
    moved = body + country + check
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_pii(text: str) -> Iterator[PiiMatch]:
    """Every piece of personal data in a text."""
    for m in EMAIL.finditer(text):
        if not RESERVED_DOMAINS.search(m.group(1)):
            yield PiiMatch("e-mail address", m.group(0))
    for m in PHONE.finditer(text):
        if m.group(1) != "555" and sum(c.isdigit() for c in m.group(0)) >= 10:
            yield PiiMatch("phone number", m.group(0))
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if CARD_PREFIX.match(digits) and luhn_ok(digits) and len(set(digits)) > 2:
            yield PiiMatch("card number", m.group(0))
    for m in IBAN.finditer(text):
        if iban_ok(m.group(1), m.group(2), m.group(3)):
            yield PiiMatch("IBAN", m.group(0))
    for m in SSN.finditer(text):
        yield PiiMatch("US social security number", m.group(0))
    for m in NINO.finditer(text):
        yield PiiMatch("UK national insurance number", m.group(0))
