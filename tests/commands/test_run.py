"""`ftspec run`: stage dispatch, and the CLI stays free of the ML stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ftspec.commands.run import run
from ftspec.errors import UsageError


def test_unknown_stage_suggests_the_closest() -> None:
    with pytest.raises(UsageError, match="did you mean 'generate'"):
        run("genrate", [])


def test_importing_the_cli_and_stage_registry_loads_no_ml_library() -> None:
    code = (
        "import sys, ftspec.cli, ftspec.commands.run, ftspec.pipeline.common, ftspec.backends; "
        "print([m for m in ('torch', 'transformers', 'trl', 'peft', 'datasets') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
