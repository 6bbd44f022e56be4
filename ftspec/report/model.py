"""A whole `ftspec check` run: the gate results in order, the exit code, the time taken."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ftspec.results import GateResult

# Every JSON document ftspec prints carries this; it changes when a field changes meaning or goes away.
JSON_SCHEMA_VERSION = 1


@dataclass
class CheckRun:
    """What reporters render."""

    project: str
    root: str
    results: list[GateResult] = field(default_factory=list)
    exit_code: int = 0
    duration: float = 0.0
    verbosity: int = 0  # -q: -1 (failures and the summary only), -v: 1 (timings and descriptions too)
    color: bool = False  # ANSI colours in the text report (a terminal without NO_COLOR)

    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    def summary(self) -> dict[str, object]:
        counts = self.counts()
        out: dict[str, object] = {k: counts.get(k, 0) for k in ("passed", "failed", "warned", "skipped")}
        out.update(total=len(self.results), exit_code=self.exit_code, duration=round(self.duration, 3))
        return out
