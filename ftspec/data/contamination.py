"""Train/eval contamination: exact duplicates and shared word n-grams.

Stand-in written by the pipeline branch with the shared contract's API (a set of n-grams of the reference side);
the data helper's engine replaces it at merge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Record:
    """One text unit of a dataset."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class Hit:
    """A training record that overlaps a reference record."""

    kind: str
    train: Record
    other: Record
    overlap: str


def normalise(text: str) -> str:
    """Lower-cased NFKC words joined by single spaces."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def _ngrams(words: list[str], n: int) -> Iterator[tuple[str, ...]]:
    for i in range(len(words) - n + 1):
        yield tuple(words[i : i + n])


class ContaminationIndex:
    """The reference side (eval or calibration) held in memory; the train side streams through scan()."""

    def __init__(self, references: Iterable[Record], n: int = 13) -> None:
        self.n = n
        self._exact: dict[str, Record] = {}
        self._grams: dict[tuple[str, ...], Record] = {}
        for ref in references:
            norm = normalise(ref.text)
            self._exact.setdefault(norm, ref)
            for gram in _ngrams(norm.split(), n):
                self._grams.setdefault(gram, ref)

    def scan(self, train: Iterable[Record]) -> Iterator[Hit]:
        """One hit per contaminated training record: exact first, else its first shared n-gram."""
        for rec in train:
            norm = normalise(rec.text)
            if norm and norm in self._exact:
                yield Hit("exact", rec, self._exact[norm], norm)
                continue
            for gram in _ngrams(norm.split(), self.n):
                if gram in self._grams:
                    yield Hit("ngram", rec, self._grams[gram], " ".join(gram))
                    break
