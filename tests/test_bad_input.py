"""Every kind of bad spec file through the real CLI: one located line per problem, a nonzero exit, no
traceback, and nothing the user wrote is touched."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, WORKED, copy_project

RUBRIC = "config/rubric.yaml"
# path:line:col: [key.path: ]message. what to do
LINE = re.compile(
    r"^(?P<path>[\w./-]+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?:(?P<key>[\w.\[\]-]+): )?"
    r"(?P<message>.+?)\. (?P<fix>\S.*)$"
)


def sparse(size: int) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with path.open("wb") as handle:
            handle.write(b"a: 1\n")
            handle.truncate(size)  # a hole: instant, and no disk used

    return write


def text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


BOMB = (
    "\n".join(
        ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    )
    + "\n"
)
GOOD = (WORKED / RUBRIC).read_text()

# (case id, file, how to write it (None: delete), gate, the exact finding line)
CASES = [
    (
        "malformed",
        RUBRIC,
        text("categories: [a, b\ncriteria: {}\n"),
        "rubric.schema",
        "config/rubric.yaml:2:9: invalid YAML: did not find expected ',' or ']'. "
        "fix the YAML syntax at this spot",
    ),
    (
        "wrong-type",
        RUBRIC,
        text(GOOD.replace("pass_threshold: 0.80", "pass_threshold: high")),
        "rubric.schema",
        "config/rubric.yaml:5:1: pass_threshold: Input should be a valid number, got 'high'. "
        "write a number without quotes, like 0.15 or 2.0e-4",
    ),
    (
        "unknown-key",
        RUBRIC,
        text(GOOD.replace("pass_threshold: 0.80", "pass_treshold: 0.80")),
        "rubric.schema",
        "config/rubric.yaml:5:1: pass_treshold: unknown key 'pass_treshold'. did you mean 'pass_threshold'?",
    ),
    (
        "missing",
        RUBRIC,
        None,
        "rubric.schema",
        "config/rubric.yaml:1:1: file is missing. create it (ftspec init scaffolds every spec file)",
    ),
    (
        "empty",
        RUBRIC,
        text(""),
        "rubric.schema",
        "config/rubric.yaml:1:1: file is empty. fill it in (see the blank template from ftspec init)",
    ),
    (
        "non-utf8",
        RUBRIC,
        raw(GOOD.encode().replace(b"version", b"vers\xe9on")),
        "rubric.schema",
        "config/rubric.yaml:4:5: not valid UTF-8 (byte 0xe9). save the file as UTF-8",
    ),
    (
        "alias-bomb",
        RUBRIC,
        text(BOMB),
        "rubric.schema",
        "config/rubric.yaml:1:1: YAML expands to over 100,000 nodes through aliases. "
        "remove the repeated aliases (an alias bomb?) or split the file",
    ),
    (
        "100mb",
        RUBRIC,
        sparse(100 * 1024 * 1024),
        "rubric.schema",
        "config/rubric.yaml:1:1: file is 105 MB, over the 5 MB limit for spec files. "
        "keep data out of spec files: reference it by path instead",
    ),
    (
        "duplicate-key",
        RUBRIC,
        text(GOOD.replace("pass_threshold: 0.80", "pass_threshold: 0.80\npass_threshold: 0.7")),
        "rubric.schema",
        "config/rubric.yaml:6:1: duplicate key 'pass_threshold'. remove or rename one of the duplicate keys",
    ),
    (
        "recursive-alias",
        RUBRIC,
        text("criteria: &c\n  CQ1: *c\n"),
        "rubric.schema",
        "config/rubric.yaml:1:1: YAML refers to itself through an alias. remove the recursive alias",
    ),
    (
        "deeply-nested",
        RUBRIC,
        text("criteria: " + "[" * 5000 + "]" * 5000 + "\n"),
        "rubric.schema",
        "config/rubric.yaml:1:1: YAML nested too deeply. flatten the structure",
    ),
    (
        "tabs",
        RUBRIC,
        text("criteria:\n\tCQ1: {}\n"),
        "rubric.schema",
        "config/rubric.yaml:2:1: invalid YAML: a tab character. indent with spaces, not tabs",
    ),
    (
        "top-level-list",
        RUBRIC,
        text("- CQ1\n- CQ2\n"),
        "rubric.schema",
        "config/rubric.yaml:1:1: expected a mapping of keys at the top level, found a list. "
        "write `key: value` pairs",
    ),
    (
        "scalar-document",
        RUBRIC,
        text("just words\n"),
        "rubric.schema",
        "config/rubric.yaml:1:1: expected a mapping of keys at the top level, found the value 'just words'. "
        "write `key: value` pairs",
    ),
    (
        "directory",
        RUBRIC,
        lambda p: p.mkdir(),
        "rubric.schema",
        "config/rubric.yaml:1:1: is a directory, expected a file. point the manifest's paths at a file",
    ),
    (
        "python-tag",
        RUBRIC,
        text("criteria: !!python/object/apply:os.system [echo hi]\n"),
        "rubric.schema",
        None,
    ),
    ("manifest-malformed", "ftspec.yaml", text("project: p\ngates: {a: [\n"), "manifest.schema", None),
    (
        "manifest-wrong-type",
        "ftspec.yaml",
        text("project: [a, b]\n"),
        "manifest.schema",
        "ftspec.yaml:1:1: project: Input should be a valid string, got a list. quote the value or write text",
    ),
    (
        "frontmatter-unclosed",
        "model-choice.md",
        text("---\nmodel: m\n"),
        "model-choice.schema",
        "model-choice.md:1:1: frontmatter is not closed. end it with a line holding only ---",
    ),
    (
        "frontmatter-non-utf8",
        "model-choice.md",
        raw(b"---\nmodel: \xff\n---\n"),
        "model-choice.schema",
        "model-choice.md:2:8: not valid UTF-8 (byte 0xff). save the file as UTF-8",
    ),
    (
        "frontmatter-malformed",
        "base-model-eval-results.md",
        text("---\nmodel: [\n---\n# x\n"),
        "base-eval.schema",
        None,
    ),
]


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every regular file the user has (ftspec's own .ftspec/ cache excluded)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] != ".ftspec":
            out[str(rel)] = (
                "sparse" if path.stat().st_size > 10**7 else hashlib.sha256(path.read_bytes()).hexdigest()
            )
    return out


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ftspec", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize(
    ("rel", "write", "gate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(
    tmp_path: Path, rel: str, write: Callable[[Path], None] | None, gate: str, expected: str | None
) -> None:
    project = copy_project(WORKED, tmp_path / "project")
    target = project / rel
    target.unlink()
    if write is not None:
        write(target)
    before = snapshot(project)
    proc = run_cli("check", str(project))
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert proc.returncode == 1, output
    findings = _findings_of(proc.stdout, gate)
    assert findings, f"no findings under {gate}:\n{output}"
    for line in findings:
        match = LINE.match(line)
        assert match, f"not `path:line:col: key: message. fix`: {line!r}"
        assert match["path"] == rel
    if expected is not None:
        assert expected in findings, "\n".join(findings)
    assert snapshot(project) == before


def _findings_of(stdout: str, gate: str) -> list[str]:
    """The indented finding lines under `FAIL  <gate>` in the text report."""
    lines = stdout.splitlines()
    starts = [
        i for i, ln in enumerate(lines) if ln.startswith(("FAIL  ", "WARN  ")) and ln.split()[1] == gate
    ]
    if not starts:
        return []
    out = []
    for line in lines[starts[0] + 1 :]:
        if not line.startswith("      "):
            break
        out.append(line.strip())
    return out


def test_no_project_is_a_one_line_usage_error(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 4
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert "no ftspec.yaml here or above" in proc.stderr and "ftspec init" in proc.stderr


def test_the_other_gates_still_run_when_one_file_is_bad(tmp_path: Path) -> None:
    project = copy_project(WORKED, tmp_path / "project")
    (project / RUBRIC).write_text("- not a mapping\n")
    proc = run_cli("check", str(project))
    assert "PASS  taxonomy.weights" in proc.stdout
    assert "SKIP  rubric.binary  (config/rubric.yaml is invalid (see rubric.schema))" in proc.stdout


def test_a_closed_pipe_ends_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    """`ftspec gates | head`: no "internal error", no crash log; pytest and ruff end the same way."""
    from ftspec.cli import run_command

    def writes_to_a_closed_pipe() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(SystemExit) as exited:
        run_command(writes_to_a_closed_pipe)
    assert exited.value.code == 1
    assert capsys.readouterr().err == ""


def test_a_broken_conftest_is_a_usage_error_naming_its_line(tmp_path: Path) -> None:
    from ftspec.commands.check import CheckOptions, run_check
    from ftspec.errors import UsageError
    from tests.conftest import copy_project

    root = copy_project(WORKED, tmp_path / "project")
    (root / "conftest.py").write_text("import os\n\nimport no_such_module_xyz\n")
    with pytest.raises(UsageError) as error:
        run_check(CheckOptions(path=root, cache=False))
    assert str(error.value).startswith("conftest.py:3:1: cannot be loaded: ModuleNotFoundError")


def test_a_missing_plugin_is_a_usage_error_naming_the_manifest_line(tmp_path: Path) -> None:
    from ftspec.commands.check import CheckOptions, run_check
    from ftspec.errors import UsageError
    from tests.conftest import copy_project

    root = copy_project(WORKED, tmp_path / "project")
    with (root / "ftspec.yaml").open("a") as handle:
        handle.write("check:\n  pytest_plugins: [no_such_plugin_xyz]\n")
    with pytest.raises(UsageError) as error:
        run_check(CheckOptions(path=root, cache=False))
    lines = (root / "ftspec.yaml").read_text().splitlines()
    assert str(error.value).startswith(f"ftspec.yaml:{len(lines)}:3: check.pytest_plugins: plugin 'no_such_plugin_xyz'")
