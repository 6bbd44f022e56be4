"""`ftspec run STAGE [ARGS]`: run one pipeline stage (what dvc.yaml calls); ML imports happen inside the stage."""

from __future__ import annotations

import difflib
import importlib

from ftspec.errors import UsageError
from ftspec.pipeline import STAGES


def run(stage: str, argv: list[str]) -> int:
    """Import the stage module and call its main(argv)."""
    if stage not in STAGES:
        close = difflib.get_close_matches(stage, list(STAGES), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(STAGES)}"
        raise UsageError(f"unknown stage '{stage}'. {hint}")
    module = importlib.import_module(STAGES[stage])
    return int(module.main(argv))
