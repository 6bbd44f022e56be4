"""Nothing lost: kill -9 and resume, stale records kept until new ones exist, one run per file, corrupt lines named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ftspec.errors import StageError
from ftspec.pipeline import generate
from ftspec.pipeline.common import Checkpoint, read_jsonl
from tests.pipeline.conftest import ROOT, args
from tests.servers import free_port


def _generate(data: str, fault_after: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FTSPEC_FAULT_AFTER": str(fault_after)}
    cmd = [sys.executable, "-m", "ftspec.pipeline.generate", *args()[:4], "--data", data]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_kill_9_then_resume_loses_and_duplicates_nothing(work: Path) -> None:
    killed = _generate("data", fault_after=5)
    assert killed.returncode == -signal.SIGKILL
    assert len(read_jsonl(Path("data/conversations.jsonl"))) == 5
    assert _generate("data").returncode == 0
    assert _generate("clean").returncode == 0
    resumed = read_jsonl(Path("data/conversations.jsonl"))
    clean = read_jsonl(Path("clean/conversations.jsonl"))
    assert len({r["id"] for r in resumed}) == len(resumed) == 16
    assert sorted(resumed, key=lambda r: r["id"]) == sorted(clean, key=lambda r: r["id"])


def test_a_torn_last_line_is_cut_and_redone(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "x": 1}\n{"id": "b", "x"')
    cp = Checkpoint(path)
    assert set(cp.done) == {"a"}
    cp.append({"id": "b", "x": 2})
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b"]


def test_records_made_from_other_inputs_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    Checkpoint(path, lambda rid: "old").append({"id": "a"})
    assert Checkpoint(path, lambda rid: "old").done
    assert not Checkpoint(path, lambda rid: "new").done


def _settings(**backend: object) -> None:
    """Point every role at the scripted backend with these extra settings; 3 short conversations."""
    tiny = yaml.safe_load(Path("tiny.yaml").read_text())
    user = {"kind": "scripted", "model": "default", **backend}
    tiny["manifest"]["backends"]["user_simulator"] = user
    tiny["manifest"]["pipeline"]["generate"] = {"conversations": 3, "seed": 7, "max_turns": 2}
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))


def _made_this_run() -> int:
    assert generate.main([*args(), "--metrics", "m.json"]) == 0
    return int(json.loads(Path("m.json").read_text())["generated_this_run"])


def test_transport_settings_keep_records_content_settings_do_not(work: Path) -> None:
    _settings()
    assert _made_this_run() == 3
    _settings(timeout=300, max_retries=9, backoff=3, concurrency=2, api_key_env="SOME_KEY")
    assert _made_this_run() == 0  # how requests travel says nothing about what the model said
    _settings(timeout=300, temperature=0.1)
    assert _made_this_run() == 3
    _settings(timeout=300, temperature=0.1, model="other")
    assert _made_this_run() == 3


def test_an_unreachable_backend_leaves_the_checkpoint_intact(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _settings()
    assert _made_this_run() == 3
    before = Path("data/conversations.jsonl").read_bytes()
    dead = f"http://127.0.0.1:{free_port()}/v1"
    _settings(kind="openai", base_url=dead, max_retries=0)  # new content: every record is stale from here on
    assert generate.main(args()) == 1
    assert "connection failed" in capsys.readouterr().err
    assert Path("data/conversations.jsonl").read_bytes() == before


def test_stale_records_go_with_the_first_new_record(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    Checkpoint(path, lambda rid: "old").append({"id": "a"})
    path.write_text(path.read_text() + '{"id": "torn')
    before = path.read_bytes()
    checkpoint = Checkpoint(path, lambda rid: "new")
    assert not checkpoint.done and path.read_bytes() == before  # opening changes nothing
    checkpoint.append({"id": "b"})
    assert [r["id"] for r in read_jsonl(path)] == ["b"] and path.read_text().endswith("\n")


def test_a_second_run_on_the_same_file_is_refused(work: Path) -> None:
    path = Path("data/conversations.jsonl")
    held = Checkpoint(path)
    with pytest.raises(StageError, match=r"another run is writing this file .* wait for that run to finish"):
        Checkpoint(path)
    refused = _generate("data")
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and "another run is writing this file" in refused.stderr
    held.close()
    assert _generate("data").returncode == 0


def test_two_concurrent_runs_write_each_record_once(work: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "ftspec.pipeline.generate", *args()]
    runs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    outcomes = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    for code, err in outcomes:  # one may find the other still running: it refuses, it does not write
        assert code == 0 or (code == 1 and "another run is writing this file" in err), err
    records = read_jsonl(Path("data/conversations.jsonl"))
    assert len(records) == len({r["id"] for r in records}) == 16


def test_a_corrupt_complete_line_names_the_file_and_line(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = Path("data/conversations.jsonl")
    path.parent.mkdir()
    path.write_text('{"id": "conv-00000"}\n{"id": oops}\n')
    assert generate.main(args()) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ftspec: {path}:2: the line is not valid JSON") and "delete that line" in err
    assert "\n" not in err


def test_a_text_holding_unicode_line_breaks_reads_back_as_written(tmp_path: Path) -> None:
    """json.dumps(ensure_ascii=False) writes U+2028, U+2029, U+0085 and \\x1c-\\x1e as they are; str.splitlines cut
    a record there, and a resumed stage said to delete a line it had written itself."""
    path = tmp_path / "c.jsonl"
    text = "one\u2028two\u2029three\x85four\x1cfive"
    checkpoint = Checkpoint(path)
    checkpoint.append({"id": "a", "text": text})
    checkpoint.append({"id": "b", "text": "plain"})
    checkpoint.close()
    assert "\u2028" in path.read_text(encoding="utf-8")  # written raw, as the stages write them
    assert [r["text"] for r in read_jsonl(path)] == [text, "plain"]
    assert set(Checkpoint(path).done) == {"a", "b"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b'{"id": "b", "text": "caf\xe9"}', r"the line is not UTF-8 text \(byte 0xe9 at column 25\)"),
        (b'{"id": "b", "text": "half \\ud83d"}', r"the line holds half a UTF-16 surrogate pair \(\\ud83d\)"),
        (b'{"id": "b", "\\udc00": 1}', r"the line holds half a UTF-16 surrogate pair \(\\udc00\)"),
    ],
)
def test_a_line_no_utf_8_file_can_hold_names_the_file_and_line(tmp_path: Path, line: bytes, problem: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"id": "a", "text": "fine \\ud83d\\ude00"}\n' + line + b"\n")
    with pytest.raises(StageError, match=rf"c.jsonl:2: {problem}.* delete that line"):
        read_jsonl(path)
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
    assert read_jsonl(path) == [{"id": "a", "text": "fine \U0001f600"}]  # a whole pair is one character
