"""ftspec: pytest for fine-tuning projects.

The Python API is one function, :func:`check`::

    import ftspec

    run = ftspec.check("path/to/project", keyword="rubric")
    run.exit_code                  # 0 all gates passed, 1 a gate failed (pytest's codes)
    for result in run.results:     # one GateResult per gate, in report order
        print(result.id, result.outcome, [f.render() for f in result.findings])

`import ftspec` loads nothing else (no pydantic, no pytest): the check machinery is imported when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ftspec.report.model import CheckRun

__version__ = "0.1.0"
__all__ = ["__version__", "check"]


def check(path: str | Path = ".", *, keyword: str | None = None, exitfirst: bool = False,
          cache: bool = True) -> CheckRun:
    """Run the gates of the project at (or above) ``path`` and return the run: ``results`` (GateResult per gate,
    each with its findings), ``exit_code`` and ``summary()``. ``keyword`` is a pytest ``-k`` expression,
    ``exitfirst`` stops at the first failing gate, ``cache=False`` runs every gate again.

    Raises :class:`ftspec.errors.FtspecError` (one line, no traceback needed) when ``path`` is not in a project
    or the options cannot work."""
    from ftspec.commands.check import CheckOptions, run_check

    return run_check(CheckOptions(path=Path(path), keyword=keyword, exitfirst=exitfirst, cache=cache))
