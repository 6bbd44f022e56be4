"""PII detectors: what they must find and the look-alikes they must leave alone."""

from __future__ import annotations

import pytest

from ftspec.data.pii import find_pii, iban_ok, luhn_ok


def kinds(text: str) -> list[str]:
    return [m.kind for m in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe+jobs@gmail.com today", "e-mail address"),
        ("or MAX.MUSTER@firma.de", "e-mail address"),
        ("call me on 415-867-5309", "phone number"),
        ("call (415) 867-5309 after six", "phone number"),
        ("my mobile is +44 20 7946 0958", "phone number"),
        ("card 4539 1488 0343 6467 expires soon", "card number"),
        ("amex 3714-496353-98431", "card number"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN"),
        ("pay to DE89370400440532013000 please", "IBAN"),
        ("SSN 123-45-6789", "US social security number"),
        ("NI number AB 12 34 56 C", "UK national insurance number"),
    ],
)
def test_finds(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "see bob@example.com or test@mail.example.org or a@b.test",  # reserved example domains (RFC 2606)
        "call 555-0123 or (415) 555-0199",  # fictional 555 numbers
        "version 1.2.3 released 2024-01-15 at 10:30-11:45",
        "order 1234567890123 and ISBN 978-3-16-148410-0",
        "4539 1488 0343 6468",  # fails the Luhn check
        "4111 1111 1111 1111",  # a famous test number made of repeated digits
        "GB82 WEST 1234 5698 7654 31",  # fails mod-97
        "000-12-3456 and 666-12-3456",  # never-issued SSN areas
        "prices 1,299.00 and 12 345 678",
        "the @mention and user@localhost",
    ],
)
def test_leaves_look_alikes_alone(text: str) -> None:
    assert kinds(text) == []


def test_checksums() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert iban_ok("GB", "82", "WEST12345698765432") and not iban_ok("GB", "82", "WEST1234569876543")


def test_masked_hides_the_middle() -> None:
    (match,) = find_pii("jane.doe@gmail.com")
    assert match.masked().startswith("jan") and "doe@gmail" not in match.masked()
    assert match.placeholder == "[EMAIL]"
