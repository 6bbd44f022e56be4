"""The command line: click at the edge only; each command is a thin wrapper over ftspec/commands/<verb>.py.

Errors are caught once, here: an FtspecError prints its one line; anything unexpected prints one line naming a
log file that holds the traceback. Exit codes follow pytest's.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ftspec import __version__
from ftspec.errors import ExitCode, FtspecError

FORMATS = ["text", "json", "github", "sarif"]


def run_command(func: Callable[..., int], *args: Any, **kwargs: Any) -> None:
    """Call a command function and exit with its code; the single place errors are caught."""
    try:
        code = func(*args, **kwargs)
    except FtspecError as exc:
        click.echo(f"ftspec: {exc}", err=True)
        code = int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("ftspec: interrupted", err=True)
        code = int(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, traceback to a file
        log = _write_crash_log()
        click.echo(f"ftspec: internal error: {type(exc).__name__}: {exc}. traceback in {log}; please report it",
                   err=True)
        code = int(ExitCode.INTERNAL_ERROR)
    sys.exit(code)


def _write_crash_log() -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"ftspec-crash-{stamp}-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(traceback.format_exc())
    return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ftspec")
def cli() -> None:
    """ftspec: executable design specs for fine-tuning projects."""


@cli.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-k", "keyword", help="Only run gates matching this pytest -k expression.")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing gate.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--junitxml", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
def check(path: Path, keyword: str | None, exitfirst: bool, fmt: str, junitxml: str | None,
          output: Path | None) -> None:
    """Run every gate on the project at PATH (default: here)."""
    from ftspec.commands.check import CheckOptions, check as run

    options = CheckOptions(path=path, keyword=keyword, exitfirst=exitfirst, format=fmt, junitxml=junitxml,
                           output=output)
    run_command(run, options)


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--template", "-t", default="worked-example", show_default=True,
              help="Template name (see --list).")
@click.option("--list", "list_templates", is_flag=True, help="List the templates and exit.")
@click.option("--no-git", is_flag=True, help="Do not initialise a git repository.")
def init(directory: Path, template: str, list_templates: bool, no_git: bool) -> None:
    """Scaffold a project in DIRECTORY from a template."""
    from ftspec.commands.init import init as run, list_templates as show

    if list_templates:
        run_command(show)
    run_command(run, directory, template, git_init=not no_git)


@cli.command()
@click.argument("artifact", required=False)
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Write one <artifact>.json per artifact into this directory.")
def schema(artifact: str | None, output: Path | None) -> None:
    """Print the JSON Schema of ARTIFACT, or write all of them with --output."""
    from ftspec.commands.schema import schema as run

    run_command(run, artifact, output)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def gates(fmt: str) -> None:
    """List every built-in gate: id, phase, severity, description."""
    from ftspec.commands.gates import gates as run

    run_command(run, fmt)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                              "help_option_names": []})
@click.argument("stage")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(stage: str, args: tuple[str, ...]) -> None:
    """Run pipeline STAGE (tiny-base, generate, assess, split, base-eval, train, evaluate); `STAGE -h` for options."""
    from ftspec.commands.run import run as run_stage

    run_command(run_stage, stage, list(args))


def main() -> None:
    """Entry point: click's own usage errors exit 4 like pytest's, not click's 2."""
    try:
        cli.main(prog_name="ftspec", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE_ERROR))
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE_ERROR))
    except click.exceptions.Abort:
        click.echo("ftspec: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    sys.exit(0)
