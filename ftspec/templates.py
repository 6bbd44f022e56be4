"""Where the project templates live: spec-templates/ in a checkout, ftspec/_templates in a wheel."""

from __future__ import annotations

import difflib
from pathlib import Path

from ftspec.errors import UsageError

_PACKAGE = Path(__file__).resolve().parent


def templates_root() -> Path:
    for candidate in (_PACKAGE.parent / "spec-templates", _PACKAGE / "_templates"):
        if candidate.is_dir():
            return candidate
    raise UsageError("ftspec's templates are missing from this installation. reinstall ftspec")


def template_names() -> list[str]:
    return sorted(p.name for p in templates_root().iterdir() if (p / "ftspec.yaml").is_file())


def template_dir(name: str) -> Path:
    names = template_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(names)}"
        raise UsageError(f"unknown template '{name}'. {hint}")
    return templates_root() / name
