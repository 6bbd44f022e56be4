"""CliRunner helpers for the command tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from ftspec import cli as cli_module


@pytest.fixture
def ftspec() -> Callable[..., Result]:
    """Invoke `ftspec ARGS...` through click's CliRunner."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli_module.cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def ftspec_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str]]:
    """Run the real entry point (click usage errors exit 4 there); returns (exit code, stdout+stderr)."""

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["ftspec", *args])
        with pytest.raises(SystemExit) as exc:
            cli_module.main()
        out = capsys.readouterr()
        return int(exc.value.code or 0), out.out + out.err

    return run
