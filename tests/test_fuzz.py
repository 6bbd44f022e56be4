"""Hypothesis mutates the worked example; no mutation may crash the gates, hang, lose a location or leak.

Three kinds of case, mixed in one strategy: structure-aware mutations of every spec file; file-system cases
(a spec or data file replaced by a link outside the project, /dev/zero, a FIFO, a directory, a loop, a dangling
or unreadable file; manifest and training paths that lead outside, to /, or hold a NUL); and gate-parameter
cases (`.inf`, `~`, `.nan`, wrong types in ftspec.yaml's `gates:`).

In-process (fast): every gate over the mutated project; each must end passed/failed/warned/skipped, every
finding must name a project file (never ftspec's source or the standard library), a line and a column, on one
line, and nothing from the file outside the project may appear. Through the CLI (slow, few examples, plus the
gate-module cases): no traceback, no hang, exit 0, 1 or 4, valid JSON, nothing from outside printed.
CI runs at least 2,000 in-process examples (CI=true); FTSPEC_FUZZ_EXAMPLES overrides the count.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ftspec import loader, portability
from ftspec import project as project_module
from ftspec.errors import FtspecError, SpecError, SpecErrors
from ftspec.gates import portability as portability_gate
from ftspec.gates.registry import all_gates
from ftspec.gates.runner import run_gate
from ftspec.project import Project
from tests.conftest import REPO, WORKED

IN_CI = os.environ.get("CI", "").lower() == "true"
EXAMPLES = int(os.environ.get("FTSPEC_FUZZ_EXAMPLES", "2000" if IN_CI else "150"))
CLI_EXAMPLES = max(3, EXAMPLES // 200)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FILES = sorted(str(p.relative_to(WORKED)) for p in WORKED.rglob("*") if p.is_file())
ORIGINAL = {rel: (WORKED / rel).read_bytes() for rel in FILES}
OUTCOMES = {"passed", "failed", "warned", "skipped"}

SCALARS = [
    "1e-5",
    "yes",
    "no",
    "on",
    "off",
    "010",
    "0x1F",
    "~",
    "null",
    "",
    "''",
    '""',
    "-",
    "? x",
    ".inf",
    "-.nan",
    "2026-13-45",
    "12:30:00",
    "[]",
    "{}",
    "[a, b",
    "{a: 1",
    "&anchor x",
    "*nope",
    "!!binary aGk=",
    "!!str 5",
    "!!python/object:os.system x",
    "|",
    ">-",
    "'unterminated",
    '"\\xZZ"',
    "1_000",
    "0o17",
    "+1",
    "true",
    "TODO: fill me",
    "é ü 中文",
    "\t",
    "- a\n- b",
    "a: b: c",
    "%YAML 1.1",
    "--- x",
    "...",
    "<<: *x",
]
KEYS = [
    "nmae",
    "wieght",
    "criteria",
    "categories",
    "topics",
    "<<",
    "? ",
    "1",
    "true",
    "id",
    "type",
    "weights",
    "na_valid",
    "a b",
    "-",
    "k:",
    "&a",
    "*a",
]


def lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One edit of a file's bytes."""
    kind = draw(
        st.sampled_from(
            ["flip", "delete", "duplicate", "scalar", "rename", "retype", "truncate", "non-utf8", "insert"]
        )
    )
    rows = lines(data) or [b""]
    row = draw(st.integers(0, len(rows) - 1))
    if kind == "flip" and data:
        pos = draw(st.integers(0, len(data) - 1))
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1 :]
    if kind == "delete":
        return b"".join(rows[:row] + rows[row + 1 :])
    if kind == "duplicate":
        return b"".join(rows[: row + 1] + rows[row:])
    if kind in ("scalar", "retype") and b":" in rows[row]:
        key = rows[row].split(b":", 1)[0]
        pool = SCALARS if kind == "scalar" else ["[1, 2]", "{x: 1}", "null", "'text'", "3", "0.5", "true"]
        value = draw(st.sampled_from(pool) | st.text(max_size=12).map(lambda t: repr(t)[1:-1]))
        return b"".join(
            rows[:row] + [key + b": " + value.encode("utf-8", "replace") + b"\n"] + rows[row + 1 :]
        )
    if kind == "rename" and b":" in rows[row]:
        key, rest = rows[row].split(b":", 1)
        indent = key[: len(key) - len(key.lstrip())]
        new = draw(st.sampled_from(KEYS) | st.from_regex(r"[a-z_]{1,10}", fullmatch=True))
        return b"".join(rows[:row] + [indent + new.encode() + b":" + rest] + rows[row + 1 :])
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "non-utf8":
        pos = draw(st.integers(0, len(data)))
        return (
            data[:pos]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\x80\x80", b"\xed\xa0\x80"]))
            + data[pos:]
        )
    junk = draw(st.binary(max_size=8) | st.sampled_from([b"\t", b"\x00", b"\r", b"\n---\n", b": ", b"- "]))
    pos = draw(st.integers(0, len(data)))
    return data[:pos] + junk + data[pos:]


SECRET = "FTSPEC-FUZZ-SECRET-7f3a"  # in a file outside the project: no output may ever contain it
_OUTSIDE_DIR = Path(tempfile.mkdtemp(prefix="ftspec-fuzz-outside-"))
atexit.register(shutil.rmtree, _OUTSIDE_DIR, ignore_errors=True)
OUTSIDE = _OUTSIDE_DIR / "secret.yaml"
OUTSIDE.write_text(f"token: {SECRET}\ncriteria: {SECRET}\n")
SPEC_FILES = [rel for rel in FILES if not rel.startswith((".github/", "gates/")) and rel != ".gitignore"]
DATA_FILES = ["data/train.jsonl", "data/eval.jsonl"]
FS_KINDS = ["outside-link", "dev-zero", "fifo", "directory", "loop", "dangling", "unreadable", "empty"]
PATH_FIELDS = ["rubric", "taxonomy", "personas", "sidecar", "training", "system_prompt", "model_choice", "gates"]
PATH_VALUES = [str(OUTSIDE), "../secret.yaml", "/", "/dev/zero", ".", "config", "\"a\\0b\"", "~", "''",
               "config/../../x", "'" + "x" * 300 + "'"]
PARAMS = sorted({(g.id, k) for g in all_gates().values() for k in g.defaults} | {("tokens.budget", "severity")})
PARAM_VALUES = [".inf", "-.inf", ".nan", "~", "'x'", "[]", "{}", "-1", "1e400", "true", "[1]", "[2, 1]",
                "[.nan, 1]", "{sft: {learning_rate: [.inf, 1]}}", "0", "{5: [~]}"]

Edit = tuple[str, str, "bytes | str"]  # (kind, path, bytes of a file | a file-system kind)


@st.composite
def fs_case(draw: st.DrawFn) -> Edit:
    rel = draw(st.sampled_from(SPEC_FILES + DATA_FILES))
    # A directory where a data file is named is a saved dataset: reading it is the datasets library's job.
    kinds = [k for k in FS_KINDS if not (k == "directory" and rel in DATA_FILES)]
    return ("fs", rel, draw(st.sampled_from(kinds)))


@st.composite
def path_case(draw: st.DrawFn) -> Edit:
    value = draw(st.sampled_from(PATH_VALUES))
    if draw(st.booleans()):
        field = draw(st.sampled_from(PATH_FIELDS))
        text = ORIGINAL["ftspec.yaml"] + f"paths: {{{field}: {value}}}\n".encode()
        return ("bytes", "ftspec.yaml", text)
    role = draw(st.sampled_from(["train: data/train.jsonl", "eval: data/eval.jsonl"]))
    new = role.split(":")[0] + ": " + value
    return ("bytes", "config/training.yaml", ORIGINAL["config/training.yaml"].replace(role.encode(), new.encode()))


@st.composite
def param_case(draw: st.DrawFn) -> Edit:
    gate_id, key = draw(st.sampled_from(PARAMS))
    value = draw(st.sampled_from(PARAM_VALUES))
    line = f"gates:\n  {gate_id}: {{{key}: {value}}}\n".encode()
    return ("bytes", "ftspec.yaml", ORIGINAL["ftspec.yaml"].replace(b"gates:\n", line, 1))


@st.composite
def spec_case(draw: st.DrawFn) -> Edit:
    rel = draw(st.sampled_from(FILES))
    return ("bytes", rel, draw(mutation(ORIGINAL[rel])))


@st.composite
def mutated_project(draw: st.DrawFn) -> list[Edit]:
    """1-3 edits: mostly spec-file mutations, the rest file-system, path and parameter cases."""
    case = st.one_of(spec_case(), spec_case(), fs_case(), path_case(), param_case())
    edits: dict[str, Edit] = {}
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(case)
        edits[edit[1]] = edit
    return list(edits.values())


class Scratch:
    """One copy of the worked example; each example applies its edits and puts the originals back.

    A fresh ``Project`` per example means nothing parsed is reused; the files' mtimes move with every write.
    """

    def __init__(self) -> None:
        parent = tempfile.mkdtemp(prefix="ftspec-fuzz-")
        atexit.register(shutil.rmtree, parent, ignore_errors=True)
        self.root = Path(parent) / "project"
        shutil.copytree(WORKED, self.root, ignore=shutil.ignore_patterns(".ftspec"))

    def apply(self, edits: list[Edit]) -> Path:
        for kind, rel, what in edits:
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove(path)
            if kind == "bytes":
                path.write_bytes(what if isinstance(what, bytes) else what.encode())
            else:
                _special(path, str(what))
        return self.root

    def restore(self, edits: list[Edit]) -> None:
        for _kind, rel, _what in edits:
            path = self.root / rel
            _remove(path)
            if rel in ORIGINAL:
                path.write_bytes(ORIGINAL[rel])
        shutil.rmtree(self.root / "data", ignore_errors=True)
        shutil.rmtree(self.root / ".ftspec", ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _special(path: Path, kind: str) -> None:
    """Put a file-system case where a spec or data file was."""
    if kind == "outside-link":
        path.symlink_to(OUTSIDE)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path.name)
    elif kind == "dangling":
        path.symlink_to(path.parent / "nowhere" / "x.yaml")
    elif kind == "unreadable":
        path.write_bytes(ORIGINAL.get(str(path.relative_to(SCRATCH.root)), b"x: 1\n"))
        path.chmod(0)
    else:
        path.write_bytes(b"")


SCRATCH = Scratch()

# Unchanged files parse the same in every example; memoising the pure per-text steps (the two parsers, model
# validation, the YAML 1.1/1.2 comparison) on the exact text keeps 2,000 examples inside CI's budget while
# every mutated text still goes through each step afresh (a changed text is a miss). Every gate still runs in
# full on every example; nothing downstream mutates parsed data (a changed model fails the next example).
_parse_yaml = functools.lru_cache(maxsize=64)(loader.parse_yaml)
_yaml11_load = functools.lru_cache(maxsize=64)(portability.yaml11_load)


def _memo_parse_yaml(text: str, rel: str, line_offset: int = 0) -> loader.YamlDoc:
    return _parse_yaml(text, rel, line_offset)


def _memo_yaml11(text: str) -> object:
    return copy.deepcopy(_yaml11_load(text))  # PyYAML's plain dicts: a copy costs little


_validate = project_module._validate  # the real one: the memo below stands in for it during the examples
_VALIDATED: dict[tuple[type, str, str, int], tuple[object, str | FtspecError]] = {}


def _memo_validate(model: type[BaseModel], doc: loader.YamlDoc) -> object:
    """An artifact's model validated from an unchanged text once (a mutated text is validated afresh). Gates
    already share one model per check; here it is shared between examples too, so a gate that changed it
    would fail the next example that reuses it instead of going unnoticed."""
    key = (model, doc.text, doc.rel, doc.line_offset)
    if key not in _VALIDATED:
        if len(_VALIDATED) >= 256:
            _VALIDATED.clear()
        try:
            value = _validate(model, doc)
        except (SpecError, SpecErrors) as exc:
            _VALIDATED[key] = (None, exc)
            raise
        _VALIDATED[key] = (value, value.model_dump_json())
        return value
    value, kept = _VALIDATED[key]
    if isinstance(kept, FtspecError):
        raise kept.with_traceback(None)
    assert isinstance(value, BaseModel) and value.model_dump_json() == kept, f"a gate changed a {model.__name__}"
    return value


_AMBIGUITIES: dict[tuple[str, str, int], list[portability.Ambiguity]] = {}


def _memo_ambiguities(doc: loader.YamlDoc) -> Iterator[portability.Ambiguity]:
    """yaml.portability compares every file as YAML 1.1 and 1.2 read it: a pure function of the document's
    text, so an unchanged file is compared once; a mutated text is compared afresh (and a text PyYAML
    rejects raises every time: nothing is kept for it)."""
    key = (doc.text, doc.rel, doc.line_offset)
    if key not in _AMBIGUITIES:
        if len(_AMBIGUITIES) >= 256:
            _AMBIGUITIES.clear()
        _AMBIGUITIES[key] = list(portability.find_ambiguities(doc))
    return iter(_AMBIGUITIES[key])


@FUZZ
@given(mutated_project())
def test_gates_survive_mutations(edits: list[Edit]) -> None:
    root = SCRATCH.apply(edits)
    try:
        with (
            mock.patch.object(loader, "parse_yaml", _memo_parse_yaml),
            mock.patch.object(portability, "yaml11_load", _memo_yaml11),
            mock.patch.object(portability_gate, "find_ambiguities", _memo_ambiguities),
            mock.patch.object(project_module, "_validate", _memo_validate),
            _no_hang(30),
        ):
            check_every_gate(Project(root))
    finally:
        SCRATCH.restore(edits)


class Hang(Exception):
    """An example ran past its time limit: something blocked (a FIFO) or looped."""


@contextlib.contextmanager
def _no_hang(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_every_gate(project: Project) -> None:
    """Run all gates in-process; any exception propagates and fails the example."""
    for gate in all_gates().values():
        result = run_gate(gate, project)  # any exception here is a bug the fuzzer found
        assert result.outcome in OUTCOMES, result
        for finding in result.findings:
            assert_located(finding.render(), finding.path, finding.line, finding.location.col, gate.id)
        if result.outcome == "skipped":
            assert result.reason, gate.id
        assert SECRET not in result.reason, (gate.id, result.reason)


def assert_located(text: str, path: str, line: int, col: int, gate_id: str) -> None:
    """A finding names a project file, a line and a column, on one line, and quotes nothing from outside."""
    assert path and not path.startswith(("/", "..")), (gate_id, text)
    assert not path.startswith("ftspec/") and "site-packages" not in path and "python3" not in path, (gate_id, text)
    assert line >= 1 and col >= 1, (gate_id, text)
    assert "\n" not in text, (gate_id, text)
    assert SECRET not in text, (gate_id, text)


CLI_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return assert_clean(cli(root, *args))


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftspec", "check", str(root), "--format", "json", *args],
                          capture_output=True, text=True, env=CLI_ENV, timeout=150)


def assert_clean(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """No traceback, an exit code in {0, 1, 4}, nothing from outside, valid JSON with located findings."""
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert proc.returncode in (0, 1, 4), output
    assert SECRET not in output, output
    if proc.returncode != 4:
        report = json.loads(proc.stdout)
        for gate in report["gates"]:
            for finding in gate["findings"]:
                assert_located(finding["message"], finding["path"], finding["line"], finding["col"], gate["id"])
    return proc


@settings(
    max_examples=CLI_EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_project())
def test_cli_never_shows_a_traceback(edits: list[Edit]) -> None:
    root = SCRATCH.apply(edits)
    try:
        run_cli(root)
    finally:
        SCRATCH.restore(edits)


# Gate modules and pytest configuration a project might commit; each through the real CLI (a forked session).
GATE_MODULES = {
    "exit-in-test": ("gates/test_x.py", "import os\ndef test_x():\n    os._exit(0)\n"),
    "exit-at-import": ("gates/test_x.py", "import os\nos._exit(0)\n"),
    "sys-exit-at-import": ("gates/test_x.py", "import sys\nsys.exit(0)\n"),
    "atexit": ("gates/test_x.py", "import atexit, os\natexit.register(os._exit, 0)\ndef test_x():\n    pass\n"),
    "raise-at-import": ("gates/test_x.py", "raise RuntimeError('boom')\n"),
    "syntax-error": ("gates/test_x.py", "def test_x(:\n"),
    "loops": ("gates/test_x.py", "def test_x():\n    while True:\n        pass\n"),
    "sleeps": ("gates/test_x.py", "import time\ndef test_x():\n    time.sleep(600)\n"),
    "fails-on-artifact": ("gates/test_x.py", "def test_x(rubric):\n    assert rubric is None\n"),
    "conftest-exits": ("conftest.py", "import os\ndef pytest_collection_finish(session):\n    os._exit(0)\n"),
    "conftest-broken": ("conftest.py", "import nonexistent_module_xyz\n"),
    "conftest-deselects": ("conftest.py", "def pytest_collection_modifyitems(config, items):\n    items.clear()\n"),
    "pytest-ini-collect-only": ("pytest.ini", "[pytest]\naddopts = --collect-only -p no:ftspec\n"),
    "pytest-ini-malformed": ("pytest.ini", "[pytest\naddopts = = =\n"),
    "pyproject-k": ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-k zzz\"\n"),
    "bad-plugin": ("ftspec.yaml", None),
    # Confinement of the project's own code (ftspec.sandbox): refused, and the gate fails even if it catches it.
    "reads-outside": ("gates/test_x.py", f"def test_x():\n    try:\n        print(open({str(OUTSIDE)!r}).read())\n"
                      "    except OSError:\n        pass\n"),
    "conftest-reads-outside": ("conftest.py", f"import pathlib\ntry:\n    SECRET = pathlib.Path({str(OUTSIDE)!r})"
                               ".read_text()\nexcept OSError:\n    SECRET = ''\n"),
    "runs-a-process": ("gates/test_x.py", f"import subprocess\ndef test_x():\n"
                       f"    subprocess.run(['cat', {str(OUTSIDE)!r}])\n"),
    "writes-outside": ("gates/test_x.py", f"def test_x():\n    open({str(OUTSIDE)!r}, 'a').write('x')\n"),
}
REFUSED = {"reads-outside": "tried to read", "conftest-reads-outside": "tried to read",
           "runs-a-process": "tried to run cat", "writes-outside": "tried to write"}


def module_case(case: str, root: Path) -> subprocess.CompletedProcess[str]:
    """Run one gate-module case through the CLI in a fresh copy of the worked example at ``root``."""
    shutil.copytree(WORKED, root, ignore=shutil.ignore_patterns(".ftspec", "gates"))
    (root / "gates").mkdir()
    rubric = root / "config" / "rubric.yaml"  # broken: a check that exits 0 was fooled
    rubric.write_text(rubric.read_text().replace("pass_threshold: 0.80", "pass_threshold: 1.5"))
    rel, source = GATE_MODULES[case]
    if source is None:
        source = ORIGINAL["ftspec.yaml"].decode() + "check:\n  pytest_plugins: [no_such_plugin_xyz]\n"
    manifest = root / "ftspec.yaml"
    if rel != "ftspec.yaml":
        source_text = manifest.read_text() + "check:\n  timeout: 2\n"
        manifest.write_text(source_text)
    (root / rel).write_text(source)
    return cli(root)


@pytest.fixture(scope="module")
def module_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Every gate-module case, four at a time: each is a separate ftspec process that mostly waits (for its
    forked session, or for a gate's time limit to pass), so running them side by side costs no coverage."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield {case: pool.submit(module_case, case, tmp_path_factory.mktemp(case) / "project")
               for case in GATE_MODULES}


@pytest.mark.parametrize("case", list(GATE_MODULES))
def test_gate_module_cases_through_the_cli(
    case: str, module_runs: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    proc = assert_clean(module_runs[case].result())
    assert proc.returncode in (1, 4), proc.stdout + proc.stderr
    assert OUTSIDE.read_text() == f"token: {SECRET}\ncriteria: {SECRET}\n"  # nothing written outside
    if case in REFUSED:
        messages = [f["message"] for g in json.loads(proc.stdout)["gates"] for f in g["findings"]]
        assert any(REFUSED[case] in m for m in messages), messages
    if proc.returncode == 4:
        assert case in ("conftest-broken", "bad-plugin"), proc.stderr
        line = proc.stderr.strip()
        assert "\n" not in line and (line.startswith("ftspec: conftest.py:") or
                                     line.startswith("ftspec: ftspec.yaml:")), line
