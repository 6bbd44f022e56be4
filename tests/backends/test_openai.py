"""The OpenAI-compatible backend against a loopback server: retries on 429/5xx, timeouts, no key in any output."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from ftspec.backends.openai import OpenAIBackend
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig

SECRET = "sk-test-0123456789-never-print-me"


class Script:
    """What the server answers, request by request: an HTTP status, 'slow', or 'ok'."""

    def __init__(self, steps: list[int | str]) -> None:
        self.steps = steps
        self.seen: list[dict] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.seen.append({"auth": self.headers.get("Authorization"), "body": body})
            step = script.steps.pop(0) if script.steps else "ok"
            if step == "slow":
                time.sleep(0.5)
                step = "ok"
            if step != "ok":
                self.send_response(int(step))
                self.end_headers()
                self.wfile.write(b'{"error": "nope"}')
                return
            prompt = body["messages"][-1]["content"]
            text = f"echo {len(script.seen)} words here"
            if "JSON object" in prompt:
                text = json.dumps({"answer": "YES", "reasoning": "fine"})
            reply = {"choices": [{"message": {"role": "assistant", "content": text}}]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    httpd.shutdown()


def _backend(url: str, **kw: object) -> OpenAIBackend:
    return OpenAIBackend(BackendConfig(kind="openai", base_url=url, model="m", backoff=0.01, **kw))  # type: ignore[arg-type]


def test_retries_429_and_5xx_then_answers(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [429, 500, 503]
    assert asyncio.run(_backend(url).chat([{"role": "user", "content": "hi"}])) == "echo 4 words here"
    assert len(script.seen) == 4 and script.seen[0]["body"]["model"] == "m"


def test_gives_up_after_max_retries(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [500, 500, 500]
    with pytest.raises(StageError, match="HTTP 500 after 3 attempts"):
        asyncio.run(_backend(url, max_retries=2).chat([{"role": "user", "content": "hi"}]))


def test_a_timeout_is_retried(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["slow"]
    assert asyncio.run(_backend(url, timeout=0.2).chat([{"role": "user", "content": "hi"}])).startswith("echo")
    assert len(script.seen) == 2


def test_concurrent_requests_all_answer(server: tuple[str, Script]) -> None:
    url, _ = server
    backend = _backend(url, concurrency=4)

    async def many() -> list[str]:
        return await asyncio.gather(*(backend.chat([{"role": "user", "content": str(i)}]) for i in range(12)))

    assert len(asyncio.run(many())) == 12


def test_the_key_is_sent_but_never_printed(
    server: tuple[str, Script], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, script = server
    monkeypatch.setenv("FTSPEC_TEST_KEY", SECRET)
    script.steps = [401]
    with pytest.raises(StageError) as err:
        asyncio.run(_backend(url, api_key_env="FTSPEC_TEST_KEY").chat([{"role": "user", "content": "hi"}]))
    assert script.seen[0]["auth"] == f"Bearer {SECRET}"
    out = capsys.readouterr()
    assert SECRET not in str(err.value) + out.out + out.err


def test_a_missing_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FTSPEC_NO_SUCH_KEY", raising=False)
    with pytest.raises(StageError, match="FTSPEC_NO_SUCH_KEY is not set"):
        _backend("http://127.0.0.1:9/v1", api_key_env="FTSPEC_NO_SUCH_KEY")


def test_a_pipeline_run_never_writes_the_key(
    server: tuple[str, Script], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ftspec.pipeline import assess, generate
    from ftspec.templates import template_dir

    url, script = server
    shutil.copytree(template_dir("worked-example"), tmp_path / "project")
    backend = {"kind": "openai", "base_url": url, "model": "m", "api_key_env": "FTSPEC_TEST_KEY", "backoff": 0.01}
    overrides = {
        "manifest": {
            "backends": {"user_simulator": backend, "assistant": backend, "judges": [backend]},
            "pipeline": {"generate": {"conversations": 3, "max_turns": 2}},
        }
    }
    (tmp_path / "o.yaml").write_text(yaml.safe_dump(overrides))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTSPEC_TEST_KEY", SECRET)
    script.steps = [429, 500]
    common = ["--project", "project", "--overrides", "o.yaml", "--data", "data", "--metrics", "m.json"]
    assert generate.main(common) == 0
    assert assess.main(common) == 0
    assert json.loads((tmp_path / "m.json").read_text())["count"] == 3
    assert all(seen["auth"] == f"Bearer {SECRET}" for seen in script.seen)
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
