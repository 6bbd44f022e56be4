"""What the machine-readable reporters (SARIF, JUnit) say about a gate beyond its result: a stable rule id,
the artifact it checks, its source and default severity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ftspec.results import GateResult

REPO_URL = "https://github.com/ftspec/ftspec"
# Where a gate's thresholds, severities and skips are explained (README: "Tuning and skipping gates").
TUNING_URI = f"{REPO_URL}#tuning-and-skipping-gates"
PROJECT_GATES_URI = f"{REPO_URL}#using-it-in-your-project"


@dataclass(frozen=True)
class RuleInfo:
    """One gate as a rule: id without `/`, the artifact it checks, and what it enforces."""

    id: str
    artifact: str
    description: str
    source: str
    severity: str
    builtin: bool


def rule_id(result_id: str) -> str:
    """A built-in gate's id as it is; a project gate's pytest node id (`gates/test_x.py::test_y[a/b]`) as a
    dotted name of letters, digits, `.`, `_` and `-` (GitHub keys alerts on it, and `/` is a path there)."""
    if "::" not in result_id and "/" not in result_id:
        return result_id
    name = re.sub(r"[^A-Za-z0-9_.-]+", ".", result_id.partition("::")[2]).strip(".")
    return ".".join(part for part in ("project", _module(result_id), name) if part)


def _module(result_id: str) -> str:
    """`gates/sub/test_x.py::test_y` -> `gates.sub.test_x`."""
    path = result_id.partition("::")[0]
    return re.sub(r"[^A-Za-z0-9_-]+", ".", path.removesuffix(".py")).strip(".")


def rule_info(result: GateResult) -> RuleInfo:
    """The rule behind a result: the registry's entry for a built-in gate, the test's module for a project gate."""
    from ftspec.gates.registry import all_gates  # the gate modules load only for SARIF and JUnit output

    gate = all_gates().get(result.id)
    if gate is None:
        return RuleInfo(rule_id(result.id), _module(result.id) or "gates", result.description or "project gate",
                        "the project's own gates folder", "error", False)
    artifact = gate.needs[0] if gate.needs else gate.id.split(".", 1)[0]
    return RuleInfo(gate.id, artifact, gate.description, gate.source, gate.severity, True)
