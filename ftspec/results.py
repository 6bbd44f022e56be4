"""Gate results, apart from the reporters that render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
    inputs: dict[str, str] = field(default_factory=dict)  # what the gate read (for the result cache)
    cached: bool = False

    def to_dict(self) -> dict[str, object]:
        """Full-fidelity form for the result cache."""
        return {
            "id": self.id, "outcome": self.outcome, "description": self.description, "phase": self.phase,
            "reason": self.reason,
            "findings": [[f.path, f.line, f.location.col, f.location.keypath, f.message, f.fix, f.severity]
                         for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateResult:
        findings = [Finding(Location(p, int(ln), int(col), kp), msg, fix, sev)
                    for p, ln, col, kp, msg, fix, sev in data["findings"]]
        return cls(data["id"], data["outcome"], findings, data["description"], data["phase"], data["reason"],
                   cached=True)

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
