"""Gate results, apart from the reporters that render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ftspec.errors import Location, SpecError

Severity = Literal["error", "warning"]
Outcome = Literal["passed", "failed", "skipped", "warned"]


@dataclass(frozen=True)
class Finding:
    """One thing a gate found: where, what is wrong, and how to fix it."""

    location: Location
    message: str
    fix: str = ""
    severity: Severity | None = None  # None: the gate's severity

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    def render(self) -> str:
        text = f"{self.location.prefix()}: {self.message.rstrip('.')}."
        return f"{text} {self.fix}" if self.fix else text

    @classmethod
    def from_error(cls, error: SpecError) -> Finding:
        return cls(error.location, error.message, error.fix)


@dataclass
class GateResult:
    """The outcome of one gate (or one of the project's own pytest gates)."""

    id: str
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    description: str = ""
    phase: str = ""
    reason: str = ""  # why it was skipped
    duration: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "outcome": self.outcome,
            "phase": self.phase,
            "description": self.description,
            "reason": self.reason,
            "findings": [
                {"path": f.path, "line": f.line, "col": f.location.col, "key": f.location.keypath,
                 "severity": f.severity or "error", "message": f.render()}
                for f in self.findings
            ],
        }
