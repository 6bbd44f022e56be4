"""Gate parameters are typed and ranged: manifest.schema locates every bad value, no gate ever sees one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftspec.gates.params import setting_problems
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.projects import make_project

BAD = [".inf", "-.inf", ".nan", "~", "'text'", "[]", "{}", "true"]
PARAMS = sorted((g.id, k) for g in all_gates().values() for k, v in g.defaults.items() if v is not None)
NUMBERS = [(g.id, k) for g in all_gates().values() for k, v in g.defaults.items()
           if isinstance(v, int | float) and not isinstance(v, bool)]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("params") / "project")


@pytest.mark.parametrize("value", BAD)
def test_no_bad_value_crashes_any_gate(base: Path, value: str) -> None:
    """Every parameter of every gate at once, set to the same bad value."""
    manifest = base / "ftspec.yaml"
    original = manifest.read_text()
    by_gate: dict[str, list[str]] = {}
    for gate_id, key in PARAMS:
        by_gate.setdefault(gate_id, []).append(f"{key}: {value}")
    settings = "".join(f"  {gid}: {{{', '.join(keys)}}}\n" for gid, keys in by_gate.items())
    start = original.index("gates:\n")
    manifest.write_text(original[:start] + "gates:\n" + settings)
    try:
        project = Project(base)
        found = {gate.id: run_gate(gate, project) for gate in all_gates().values()}
    finally:
        manifest.write_text(original)
    schema = found.pop("manifest.schema")
    assert schema.outcome == "failed"
    located = {f.location.keypath for f in schema.findings}
    for gate_id, key in NUMBERS:  # no bad value is a valid number
        assert f"gates.{gate_id}.{key}" in located, (gate_id, key)
    for finding in schema.findings:
        assert finding.path == "ftspec.yaml" and finding.line > 1 and finding.location.col > 1
    for gate_id in by_gate:
        if gate_id != "manifest.schema":
            assert found[gate_id].outcome in ("skipped", "passed", "warned", "failed")


@pytest.mark.parametrize(("settings", "message"), [
    ({"warn_above": float("inf")}, "warn_above must be a whole number, not .inf"),
    ({"tolerance": float("nan")}, "tolerance must be a finite number, not .nan"),
    ({"warn_above": 0}, "warn_above must be at least 1, not 0"),
    ({"warn_above": 1.5}, "warn_above must be a whole number, not float 1.5"),
    ({"severity": None}, "severity must be error or warning"),
])
def test_messages(settings: dict[str, object], message: str) -> None:
    gate = all_gates()["taxonomy.weights" if "tolerance" in settings else "tokens.budget"]
    assert [m for _, m, _ in setting_problems(gate, settings)] == [message]


def test_a_nan_tolerance_never_passes_a_failing_gate(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", replace={"ftspec.yaml": [("gates:\n", "gates:\n  taxonomy.weights: "
                                                                               "{tolerance: .nan}\n")]})
    result = run_gate(all_gates()["taxonomy.weights"], Project(root))
    assert result.outcome == "skipped" and "manifest.schema" in result.reason


def test_valid_settings_pass(tmp_path: Path) -> None:
    gates = all_gates()
    assert not list(setting_problems(gates["training.peft"], {"r": [8, 64], "lora_dropout": [0, 0.2]}))
    assert not list(setting_problems(gates["stories.per-step"], {"prefixes": {2: "ARCH", "3": "DATA"}}))
    assert list(setting_problems(gates["training.peft"], {"r": [64, 8]}))
