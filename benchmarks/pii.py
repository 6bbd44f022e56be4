"""PII detectors before and after (main's regexes vs phonenumbers/python-stdnum + allowlist) on a labelled corpus.

The corpus is coaching-chat filler with planted positives (phones in several national and international
formats, valid IBANs of 12 countries, cards, e-mails, national ids) and planted look-alikes that are not
personal data (public crisis lines, dates, amounts, invalid checksums). Prints each detector's precision and
recall over the planted items and its speed in MB/s over the whole corpus.

    PYTHONPATH=. python benchmarks/pii.py [--ref main]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POSITIVE = [
    "+33 1 42 68 53 00", "+4915112345678", "020 7946 0958", "415-867-5309", "(415) 867-5309", "+44 20 7946 0958",
    "0044 20 7946 0958", "+1 212 555 2368", "06 12 34 56 78", "+34 612 34 56 78", "030 901820",
    "UA213223130000026007233566001", "QA58DOHB00001234567890ABCDEFG", "KW81CBKU0000000000001234560101",
    "PK36SCBL0000001123456702", "EG380019000500000000263180002", "RS35260005601001611379",
    "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "FR1420041010050500013M02606",
    "4539 1488 0343 6467", "jane.doe+jobs@gmail.com", "123-45-6789", "12345678Z", "RSSMRA85T10A562S",
]
NEGATIVE = [
    "988", "1-800-273-8255", "116 123", "0800 1110111", "0800 1110222", "13 11 14", "741741",
    "2024-01-15", "12/05/2024", "45 000", "1 250 000", "1,299.00", "10:30-11:45", "ISBN 978-3-16-148410-0",
    "4539 1488 0343 6468", "UA213223130000026007233566002", "12345678A", "bob@example.com", "v1.2.3",
    "room 120 4567",
]
FILLER = ("I hear you. It sounds like your manager moved the deadline again, and that leaves you scrambling "
          "before the review. What would help most this week: more time, or a clearer list of priorities? ")


def corpus(seed: int = 5, size: int = 2000) -> list[tuple[str, str | None]]:
    """(text, planted item or None): each text is filler around at most one planted item."""
    rng = random.Random(seed)
    rows: list[tuple[str, str | None]] = []
    for i in range(size):
        pool = POSITIVE if i % 4 == 0 else NEGATIVE if i % 4 == 1 else [None]
        item = rng.choice(pool)
        text = FILLER * rng.randint(1, 4)
        rows.append((f"{text} You can reach it at {item}. {FILLER}" if item else text, item))
    return rows


def load(path: Path, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def measure(label: str, find: object, rows: list[tuple[str, str | None]]) -> None:
    tp = fp = fn = 0
    started = time.perf_counter()
    flagged = [[m.text for m in find(text)] for text, _ in rows]  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    for (_, item), hits in zip(rows, flagged, strict=True):
        positive = item in POSITIVE
        found = any(item and (item in h or h in item) for h in hits)
        tp += positive and found
        fn += positive and not found
        fp += (not positive and bool(hits)) or (positive and len(hits) > 1)
    megabytes = sum(len(t) for t, _ in rows) / 1e6
    print(f"{label:8} precision {tp / ((tp + fp) or 1):.3f} recall {tp / ((tp + fn) or 1):.3f}, "
          f"{megabytes / elapsed:.2f} MB/s ({megabytes:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="git revision of the 'before' detector")
    args = parser.parse_args()
    rows = corpus()
    old_source = subprocess.run(["git", "show", f"{args.ref}:ftspec/data/pii.py"], capture_output=True, text=True,
                                check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        old_path = Path(tmp) / "pii_before.py"
        old_path.write_text(old_source)
        before = load(old_path, "pii_before")
    from ftspec.data.pii import CRISIS_LINES, Allowlist, find_pii

    allow = Allowlist(CRISIS_LINES)
    measure("before", before.find_pii, rows)  # type: ignore[attr-defined]
    measure("after", lambda text: find_pii(text, allow), rows)


if __name__ == "__main__":
    main()
