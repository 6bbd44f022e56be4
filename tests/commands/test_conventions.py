"""CLI conventions: -q / -v, `run --help`, colour and NO_COLOR, progress on stderr, schema_version in JSON,
shell completion, and the `ftspec.check` Python API."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from ftspec.commands.contamination import contamination
from ftspec.report.model import JSON_SCHEMA_VERSION, CheckRun
from ftspec.report.text import render_text, use_color
from ftspec.results import GateResult
from tests.commands.test_contamination import EXAMPLE, FAIL

REPO = Path(__file__).resolve().parents[2]
Invoke = Callable[..., Result]


def test_run_help_lists_the_stages(ftspec_main: Callable[..., tuple[int, str]]) -> None:
    code, out = ftspec_main("run", "--help")
    assert code == 0 and "unknown stage" not in out
    assert "Stages (each takes -h):" in out and "  base-eval" in out and "  evaluate" in out


def test_quiet_and_verbose(ftspec: Invoke, worked: Path) -> None:
    normal = ftspec("check", str(worked)).stdout
    quiet = ftspec("check", str(worked), "-q").stdout
    verbose = ftspec("check", str(worked), "-v").stdout
    assert "PASS  rubric.binary" in normal and "PASS" not in quiet
    summary = normal.strip().splitlines()[-1].split(" in ")[0]  # "50 passed, 9 skipped"
    assert quiet.strip().splitlines()[-1].startswith(summary + " in ")
    assert "PASS  rubric.binary  Every criterion is a yes/no question" in verbose
    assert "[cached]" in verbose  # the third run replays the first one's results


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Tty()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())
    run = CheckRun("p", "/p", [GateResult("a", "failed"), GateResult("b", "passed")], color=True)
    assert "\033[1;31mFAIL\033[0m  a" in render_text(run) and "\033[32mPASS\033[0m  b" in render_text(run)
    run.color = False
    assert "\033" not in render_text(run)


def test_every_json_output_carries_schema_version(ftspec: Invoke, worked: Path) -> None:
    assert json.loads(ftspec("check", str(worked), "--format", "json").stdout)["schema_version"] == 1
    assert json.loads(ftspec("gates", "--format", "json").stdout)["schema_version"] == 1
    report = ftspec("contamination", str(EXAMPLE / FAIL / "train.jsonl"), str(EXAMPLE / FAIL / "eval.jsonl"),
                    "--format", "json")
    assert json.loads(report.stdout)["schema_version"] == JSON_SCHEMA_VERSION


def test_contamination_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    contamination(EXAMPLE / FAIL / "train.jsonl", EXAMPLE / FAIL / "eval.jsonl", progress=True)
    out = capsys.readouterr()
    steps = out.err.splitlines()
    assert [s.split(":")[0] for s in steps] == ["ftspec contamination"] * 3
    assert "reading" in steps[0] and "indexing 13-grams and scanning" in steps[1] and "done" in steps[2]
    assert "ftspec contamination" not in out.out


def _entry_point(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from ftspec.cli import main; main()"], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO), **env})


def test_shell_completion() -> None:
    """The README's `eval "$(_FTSPEC_COMPLETE=bash_source ftspec)"` and what bash then asks for."""
    script = _entry_point({"_FTSPEC_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "_ftspec_completion" in script.stdout
    words = _entry_point({"_FTSPEC_COMPLETE": "bash_complete", "COMP_WORDS": "ftspec ch", "COMP_CWORD": "1"})
    assert "plain,check" in words.stdout.splitlines()


def test_python_api_is_lazy_and_returns_the_run(worked: Path) -> None:
    probe = ("import sys, ftspec; heavy = [m for m in ('pydantic', 'pytest', 'click') if m in sys.modules]; "
             f"run = ftspec.check({str(worked)!r}, keyword='rubric'); "
             "print(heavy, run.exit_code, sorted({r.id.split('.')[0] for r in run.results}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip() == "[] 0 ['rubric']", done.stderr
