"""PII detectors: what they must find and the look-alikes they must leave alone."""

from __future__ import annotations

import pytest

from ftspec.data.pii import CRISIS_LINES, Allowlist, find_pii, luhn_ok


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
        ("in Paris: +33 1 42 68 53 00", "phone number"),
        ("text me on +4915112345678.", "phone number"),
        ("the office is 020 7946 0958", "phone number"),
        ("or 0044 20 7946 0958", "phone number"),
        ("UA213223130000026007233566001", "IBAN"),
        ("QA58DOHB00001234567890ABCDEFG", "IBAN"),
        ("KW81CBKU0000000000001234560101", "IBAN"),
        ("PK36SCBL0000001123456702", "IBAN"),
        ("EG380019000500000000263180002", "IBAN"),
        ("RS35260005601001611379", "IBAN"),
        ("mi DNI es 12345678Z", "national id number"),
        ("codice fiscale RSSMRA85T10A562S", "national id number"),
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
        "UA213223130000026007233566002",  # fails the IBAN check digits
        "DNI 12345678A",  # wrong check letter
        "between 2019-2021 I saved 45 000 over 12 months; call at 10.30 on 12/05/2024",
        "my salary went from 52 000 to 61 500 and the budget is 1 250 000",
        "room 120 4567 and reference 2024 0001",
    ],
)
def test_leaves_look_alikes_alone(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "If you are in crisis, call or text 988 (US) or 1-800-273-8255.",
        "In the UK the Samaritans answer on 116 123, any time.",
        "TelefonSeelsorge: 0800 1110111 oder 0800 1110222.",
        "From abroad: +49 800 1110111.",
        "Text HOME to 741741.",
        "Lifeline Australia 13 11 14.",
    ],
)
def test_public_crisis_lines_are_allowed(text: str) -> None:
    assert [m.kind for m in find_pii(text, Allowlist(CRISIS_LINES))] == []


def test_a_project_allowlist_accepts_its_own_contact_only() -> None:
    allow = Allowlist(("+44 20 7946 0000", "help@coach.org"))
    text = "Reach us at help@coach.org or +44 20 7946 0000; my own is +44 20 7946 0958."
    assert [m.text for m in find_pii(text, allow)] == ["+44 20 7946 0958"]


def test_checksums() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")


def test_masked_hides_the_middle() -> None:
    (match,) = find_pii("jane.doe@gmail.com")
    assert match.masked().startswith("jan") and "doe@gmail" not in match.masked()
    assert match.placeholder == "[EMAIL]"


def test_the_prefilter_rules_out_only_text_without_at_signs_or_digits() -> None:
    from ftspec.data.pii import may_hold_pii

    assert not may_hold_pii("No number here, just words (and punctuation).")
    assert may_hold_pii("write to a@b.org") and may_hold_pii("call 020 7946 0958")
    assert may_hold_pii("call ٠٢٠ ٧٩٤٦ ٠٩٥٨")  # digits of another script: \d matches them, so the regex decides
