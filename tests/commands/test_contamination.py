"""`ftspec contamination TRAIN EVAL`: hits name both files, both lines and the overlap; exit 1, 0 or 4."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftspec import cli as cli_module
from ftspec.cli import cli

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "tests" / "examples" / "data.contamination"
FAIL, PASS = "fail/generated/data", "pass/generated/data"
RUBRIC = ROOT / "spec-templates" / "worked-example" / "config" / "rubric.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["contamination", *args])
    return result.exit_code, result.stdout, result.stderr


def test_hits_in_text() -> None:
    code, out, _ = invoke(str(EXAMPLE / f"{FAIL}/train.jsonl"), str(EXAMPLE / f"{FAIL}/eval.jsonl"))
    assert code == 1
    heading, first = out.splitlines()[:2]
    assert heading == "overlapping records:"
    assert first.startswith(
        f"{EXAMPLE / FAIL / 'train.jsonl'}:7: shares {EXAMPLE / FAIL / 'eval.jsonl'}:3: "
    )
    assert "'that sounds relieved to live with case 2002" in first
    assert out.splitlines()[-1].startswith("0 exact copies, 1 overlapping records; 13-gram overlap against")


def test_hits_in_json() -> None:
    code, out, _ = invoke(
        str(EXAMPLE / f"{FAIL}/train.jsonl"),
        str(EXAMPLE / f"{FAIL}/eval.jsonl"),
        "--format",
        "json",
        "--ngram",
        "13",
    )
    report = json.loads(out)
    assert code == 1 and report["contaminated"] and report["ngram"] == 13
    assert (report["exact_copies"], report["overlapping_records"]) == (0, 1)
    (hit,) = report["hits"]
    assert (hit["kind"], hit["train"]["line"], hit["other"]["line"]) == ("ngram", 7, 3)
    assert hit["train"]["path"].endswith("train.jsonl") and hit["other"]["path"].endswith("eval.jsonl")
    assert hit["overlap"].startswith("that sounds relieved")


def test_clean_exits_zero() -> None:
    code, out, _ = invoke(str(EXAMPLE / f"{PASS}/train.jsonl"), str(EXAMPLE / f"{PASS}/eval.jsonl"))
    assert code == 0 and "no contamination" in out


def test_rubric_calibration_examples_are_references(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    response = "It sounds like the deadlines shift without any say from you, and that's the part that stings."
    train.write_text(json.dumps({"prompt": "?", "completion": response}) + "\n")
    code, out, _ = invoke(str(train), str(EXAMPLE / f"{PASS}/eval.jsonl"), "--rubric", str(RUBRIC))
    assert code == 1 and f"{RUBRIC}:" in out.splitlines()[1]


@pytest.mark.parametrize(
    "args",
    [
        ("missing.jsonl", str(EXAMPLE / f"{PASS}/eval.jsonl")),
        (str(EXAMPLE / f"{PASS}/train.jsonl"), str(EXAMPLE / f"{PASS}/eval.jsonl"), "--ngram", "0"),
    ],
)
def test_usage_errors_exit_4(args: tuple[str, ...]) -> None:
    code, _, err = invoke(*args)
    assert code == 4 and err.startswith("ftspec: ")


def test_malformed_data_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "train.jsonl"
    bad.write_text('{"prompt": "a", "completion": "b"}\n{oops\n')
    code, _, err = invoke(str(bad), str(EXAMPLE / f"{PASS}/eval.jsonl"))
    assert code == 4 and f"{bad}:2: invalid JSON" in err


def test_missing_argument_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["ftspec", "contamination", "only-one.jsonl"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 4


def test_settings_come_from_the_project_of_the_train_file(tmp_path: Path) -> None:
    (tmp_path / "ftspec.yaml").write_text("project: p\ndata: {contamination: {ngram: 5, roles: [user]}}\n")
    (tmp_path / "data").mkdir()
    user = {"role": "user", "content": "one two three four five six"}
    reply = {"role": "assistant", "content": "seven eight nine ten eleven twelve"}
    (tmp_path / "data" / "train.jsonl").write_text(json.dumps({"messages": [user, reply]}) + "\n")
    other = {"role": "user", "content": "zero one two three four five"}
    (tmp_path / "data" / "eval.jsonl").write_text(json.dumps({"messages": [other, reply]}) + "\n")
    train, eval_ = str(tmp_path / "data" / "train.jsonl"), str(tmp_path / "data" / "eval.jsonl")
    code, out, _ = invoke(train, eval_, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ngram"] == 5 and report["roles"] == ["user"]  # the reply is not compared
    assert report["hits"][0]["overlap"] == "one two three four five"
    code, out, _ = invoke(train, eval_, "--roles", "assistant")
    assert code == 1 and out.splitlines()[0] == "exact copies:"


# The command, run in a fresh process as a user runs it: numpy is first imported while it reads the files.
SCRIPT = """
import json, os, sys
from pathlib import Path
from ftspec.commands.contamination import contamination
assert "numpy" not in sys.modules
code = contamination(Path(sys.argv[1]), Path(sys.argv[2]))
names = [open(f"/proc/self/task/{task}/comm").read().strip() for task in os.listdir("/proc/self/task")]
threads = [name for name in names if name != "jemalloc_bg_thd"]  # Arrow's allocator keeps one, idle
print(json.dumps({"code": code, "threads": len(threads), "after": os.environ.get("OPENBLAS_NUM_THREADS")}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through /proc")
def test_the_command_starts_no_blas_threads() -> None:
    """OpenBLAS would start a thread per core, each spinning ~0.1 s, for BLAS work the scan never gives."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                                                            "OMP_NUM_THREADS")}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(EXAMPLE / f"{FAIL}/train.jsonl"), str(EXAMPLE / f"{FAIL}/eval.jsonl")],
        capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=120,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"code": 1, "threads": 1, "after": None}, proc.stderr


def test_a_file_in_a_format_the_check_cannot_read_is_refused_not_passed(tmp_path: Path) -> None:
    """Records with no messages or known fields hold no text to compare: the scan found nothing and said 'no
    contamination', even for a copy of an eval record."""
    eval_ = EXAMPLE / f"{FAIL}/eval.jsonl"
    copied = json.loads(eval_.read_text().splitlines()[0])
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"q": copied["messages"][0]["content"], "a": copied["messages"][1]["content"]}) + "\n")
    code, out, err = invoke(str(train), str(eval_))
    assert code == 4 and out == ""
    assert err.strip() == (f"ftspec: {train}: no text to compare in its first 1 record (keys: a, q). write "
                           "each as messages (role, content), prompt/completion, prompt/chosen/rejected or text")
    train.write_text(json.dumps({"messages": copied["messages"]}) + "\n")  # as the message says
    assert invoke(str(train), str(eval_))[0] == 1  # the copy is found
