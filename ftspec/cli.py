"""The command line: click at the edge only; each command is a thin wrapper over ftspec/commands/<verb>.py.

Errors are caught once, here: an FtspecError prints its one line; anything unexpected prints one line naming a
log file that holds the traceback. Exit codes follow pytest's.
"""

from __future__ import annotations

import atexit
import datetime
import gc
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
    except BrokenPipeError:  # `ftspec gates | head`: the reader has all it wanted; end quietly, as pytest does
        _silence_stdout()
        code = int(ExitCode.TESTS_FAILED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, traceback to a file
        from ftspec.extras import missing_extra

        hint = missing_extra(exc)  # an optional dependency that is not installed: name the extra
        if hint is not None:
            click.echo(f"ftspec: this command {hint}", err=True)
            sys.exit(int(ExitCode.USAGE_ERROR))
        log = _write_crash_log()
        click.echo(f"ftspec: internal error: {type(exc).__name__}: {exc}. traceback in {log}; please report it",
                   err=True)
        code = int(ExitCode.INTERNAL_ERROR)
    sys.exit(code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (a test runner's buffer)
        pass
    finally:
        os.close(devnull)


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
    from ftspec.journal import find_git_dir

    # A `ftspec decide` killed mid-way left a journal: restore files and index before anything reads them.
    # Only the journal's existence is checked here; the recovery code (and its imports) loads only if needed.
    git_dir = find_git_dir(Path(os.getcwd()))
    if git_dir is not None:
        from ftspec.commands.decide import recover

        run_command_quietly(lambda: recover(git_dir))


def _skip_teardown_at_exit() -> None:
    """When the process ends, freeze what is alive first, so that the interpreter's final garbage collections
    skip it.

    Those collections free, one by one, the reference cycles of every module loaded (pytest's, click's,
    ftspec's), which cost a cold check ~40 ms of its exit; the OS reclaims the memory at once instead. Only for
    commands whose objects need no finalizer to run (a check closes every file it writes before it returns);
    stdout and stderr are flushed and the other atexit handlers run as before. Registered once however often
    it is called.
    """
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def run_command_quietly(func: Callable[[], None]) -> None:
    """Run ``func``; on an FtspecError print it and exit, otherwise carry on with the command."""
    try:
        func()
    except FtspecError as exc:
        click.echo(f"ftspec: {exc}", err=True)
        sys.exit(int(exc.exit_code))


@cli.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-k", "keyword", help="Only run gates matching this pytest -k expression.")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing gate.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--junitxml", type=click.Path(dir_okay=False), help="Also write JUnit XML here.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--no-cache", is_flag=True, help="Run every gate; do not reuse results whose inputs are unchanged.")
@click.option("-q", "--quiet", is_flag=True, help="Text report: only failing and warning gates, and the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Text report: every gate's description and time too.")
def check(path: Path, keyword: str | None, exitfirst: bool, fmt: str, junitxml: str | None,
          output: Path | None, no_cache: bool, quiet: bool, verbose: bool) -> None:
    """Run every gate on the project at PATH (default: here)."""
    from ftspec.commands.check import CheckOptions
    from ftspec.commands.check import check as run

    options = CheckOptions(path=path, keyword=keyword, exitfirst=exitfirst, format=fmt, junitxml=junitxml,
                           output=output, cache=not no_cache, verbosity=int(verbose) - int(quiet))
    _skip_teardown_at_exit()
    run_command(run, options)


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--template", "-t", default=None,
              help="Template name (see --list); default worked-example, blank with --adopt.")
@click.option("--list", "list_templates", is_flag=True, help="List the templates and exit.")
@click.option("--git/--no-git", "git_mode", default=None,
              help="Create a git repository and commit (default: only when DIRECTORY is not inside one).")
@click.option("--hooks", type=click.Choice(["pre-commit", "git"]),
              help="Install ftspec's hooks: a .pre-commit-config.yaml, or plain scripts in .git/hooks.")
@click.option("--adopt", is_flag=True,
              help="Adopt the existing repository DIRECTORY: recognise its artifacts, write only what is missing.")
@click.option("--dvc", is_flag=True,
              help="Also run `dvc init` (needs the pipeline extra); on an existing project: only that.")
def init(directory: Path, template: str | None, list_templates: bool, git_mode: bool | None, hooks: str | None,
         adopt: bool, dvc: bool) -> None:
    """Scaffold a project in DIRECTORY from a template (--hooks on an existing project: hooks only)."""
    from ftspec.commands.init import init as run
    from ftspec.commands.init import list_templates as show

    if list_templates:
        run_command(show)
    chosen = template or ("blank" if adopt else "worked-example")
    run_command(run, directory, chosen, git_mode=git_mode, hooks=hooks, adopt=adopt, dvc=dvc)


@cli.command()
@click.argument("decision_id", metavar="ID")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--title", required=True, help="Short title of the decision.")
@click.option("--choice", required=True, help="What was decided.")
@click.option("--rationale", required=True, help="Why.")
@click.option("--step", help="Workflow step (default: the sidecar's currentStep).")
@click.option("--supersedes", help="Id(s) of the decision(s) this one replaces.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Project directory (default: here).")
@click.option("--date", "date", help="When it was decided, YYYY-MM-DD (default: today); for back-filling decisions.")
def decide(decision_id: str, paths: tuple[Path, ...], title: str, choice: str, rationale: str,
           step: str | None, supersedes: str | None, project: Path, date: str | None) -> None:
    """Record decision ID: log entry, sidecar decision and PATHs in one commit with Decision-Id trailers."""
    from ftspec.commands.decide import DecideOptions
    from ftspec.commands.decide import decide as run

    options = DecideOptions(decision_id, title, choice, rationale, step, supersedes, list(paths), project, date)
    run_command(run, options)


@cli.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def decisions(path: Path, fmt: str) -> None:
    """List the decisions: history (trailers) joined with the decision log."""
    from ftspec.commands.decisions import decisions as run

    run_command(run, path, fmt)


@cli.command()
@click.argument("rev_range", metavar="BASE..HEAD")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Project directory (default: here).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the review here.")
def review(rev_range: str, fmt: str, project: Path, output: Path | None) -> None:
    """The pull-request view of BASE..HEAD: decisions, spec files changed, gates newly failing or fixed."""
    from ftspec.commands.review import review as run

    run_command(run, rev_range, fmt, project, output)


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


@cli.group(hidden=True)
def hook() -> None:
    """Entry points for ftspec's git hooks (pre-commit framework and hooks/)."""


@hook.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def hook_check(files: tuple[Path, ...]) -> None:
    """Check the projects that FILES belong to."""
    from ftspec.commands.hook import hook_check as run

    run_command(run, list(files))


@hook.command("commit-msg")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def hook_commit_msg(message_file: Path) -> None:
    """Require a Decision-Id trailer for every decision-log entry the commit adds."""
    from ftspec.commands.hook import hook_commit_msg as run

    run_command(run, message_file)


@hook.command("pre-push")
@click.argument("args", nargs=-1)
def hook_pre_push(args: tuple[str, ...]) -> None:
    """Check every project tracked in the repository."""
    from ftspec.commands.hook import hook_pre_push as run

    run_command(run)


@cli.command()
@click.argument("train", type=click.Path(path_type=Path))
@click.argument("eval_", metavar="EVAL", type=click.Path(path_type=Path))
@click.option("--ngram", type=int, help="Words per n-gram (default: data.contamination.ngram of the project, 13).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--rubric", type=click.Path(dir_okay=False, path_type=Path),
              help="Also compare with this rubric's calibration examples.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes for a large JSONL train file (default: from its size and the CPUs).")
@click.option("--roles", help="Message roles compared, comma-separated (default: data.contamination.roles).")
def contamination(train: Path, eval_: Path, ngram: int | None, fmt: str, rubric: Path | None, workers: int | None,
                  roles: str | None) -> None:
    """Find TRAIN records that equal or share an n-gram with EVAL records; exit 1 when any does."""
    from ftspec.commands.contamination import contamination as run

    run_command(run, train, eval_, ngram=ngram, fmt=fmt, rubric=rubric, workers=workers, roles=roles,
                progress=sys.stderr.isatty())  # step by step on a terminal; CI logs and pipes stay clean


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                              "help_option_names": []})
@click.argument("stage")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, stage: str, args: tuple[str, ...]) -> None:
    """Run pipeline STAGE (tiny-base, generate, assess, split, base-eval, train, evaluate); `STAGE -h` for options."""
    from ftspec.commands.run import run as run_stage

    if stage in ("-h", "--help"):  # the stage's own -h goes through to it; here, before a stage, it is ours
        from ftspec.pipeline import STAGES

        click.echo(ctx.get_help() + "\n\nStages (each takes -h):\n" + "\n".join(f"  {s}" for s in STAGES))
        ctx.exit(0)

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
