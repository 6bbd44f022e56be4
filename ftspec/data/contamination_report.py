"""The contamination check's results: hits, and a report that keeps exact counts and capped lists."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ftspec.data.records import Record

__all__ = ["KEPT", "PER_RECORD", "Flagged", "Hit", "Report"]


@dataclass(frozen=True)
class Hit:
    """A training record that overlaps an eval (or calibration) record."""

    kind: str  # "exact" | "ngram"
    train: Record
    other: Record
    overlap: str



@dataclass
class Flagged:
    """One contaminated training record and (up to PER_RECORD of) the references it overlaps."""

    train: Record
    hits: list[Hit]
    others: int  # references in all
    exact: bool


PER_RECORD = 3  # references kept per training record
KEPT = 50  # records kept per kind (exact copies, overlaps); the rest are counted


@dataclass
class Report:
    """The contaminated training records, streamed in: counts are exact, lists are capped (bounded memory
    whatever the number of hits)."""

    exact: list[Flagged] = dataclasses.field(default_factory=list)
    overlap: list[Flagged] = dataclasses.field(default_factory=list)
    exact_records: int = 0
    overlap_records: int = 0
    hits: int = 0
    lines: set[tuple[str, int]] | None = None  # every flagged (path, line), when asked for
    left_out: list[str] = dataclasses.field(default_factory=list)
    references: int = 0
    _open: Flagged | None = None

    def add(self, hit: Hit) -> None:
        """One more hit; hits of a record arrive together."""
        self.hits += 1
        current = self._open
        if current is None or (current.train.path, current.train.line) != (hit.train.path, hit.train.line):
            self.close()
            current = self._open = Flagged(hit.train, [], 0, False)
        current.others += 1
        if hit.kind == "exact" and not current.exact:
            current.exact = True
            current.hits.insert(0, hit)
        else:
            current.hits.append(hit)
        del current.hits[PER_RECORD:]

    def close(self) -> None:
        """Count the record in progress."""
        done, self._open = self._open, None
        if done is None:
            return
        if self.lines is not None:
            self.lines.add((done.train.path, done.train.line))
        if done.exact:
            self.exact_records += 1
            kept = self.exact
        else:
            self.overlap_records += 1
            kept = self.overlap
        if len(kept) < KEPT:
            kept.append(done)

    def merge(self, other: Report, offset: int) -> None:
        """Add a report of a later part of the same file whose lines count from ``offset`` + 1."""
        other.close()
        for kept, theirs in ((self.exact, other.exact), (self.overlap, other.overlap)):
            kept += [_shifted(f, offset) for f in theirs[: max(0, KEPT - len(kept))]]
        self.exact_records += other.exact_records
        self.overlap_records += other.overlap_records
        self.hits += other.hits
        if self.lines is not None and other.lines is not None:
            self.lines |= {(path, line + offset) for path, line in other.lines}

    @property
    def records(self) -> int:
        return self.exact_records + self.overlap_records

    def summary(self) -> str:
        """One line: N exact copies, M overlapping records."""
        return f"{self.exact_records:,} exact copies, {self.overlap_records:,} overlapping records"


def _shifted(flagged: Flagged, offset: int) -> Flagged:
    def move(record: Record) -> Record:
        return Record(record.path, record.line + offset, record.text)

    hits = [Hit(h.kind, move(h.train), h.other, h.overlap) for h in flagged.hits]
    return Flagged(move(flagged.train), hits, flagged.others, flagged.exact)
