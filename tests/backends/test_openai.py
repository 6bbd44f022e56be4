"""The OpenAI-compatible backend against a fault-injecting loopback stub: 429/5xx with Retry-After, timeouts,
truncated bodies, empty and length-cut completions, 4xx bodies, structured-output refusal, reasoning replies,
real concurrency, pooled connections, and no key in any output."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.backends import Reply, ReplyError
from ftspec.backends.openai import OpenAIBackend, _retry_after, split_reasoning
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig

SECRET = "sk-test-0123456789-never-print-me"
HI = [{"role": "user", "content": "hi"}]


class Script:
    """What the stub answers, request by request (see Handler.do_POST for the steps)."""

    def __init__(self) -> None:
        self.steps: list[Any] = []
        self.seen: list[dict[str, Any]] = []
        self.ports: set[int] = set()
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Condition()
        self.gate = 0  # hold each request until this many are in flight at once (bounded wait)


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so pooled connections are visible

        def log_message(self, *a: object) -> None:
            pass

        def _send(self, status: int, data: bytes, length: int | None = None, headers: dict[str, str] | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) if length is None else length))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with script.lock:
                script.seen.append({"auth": self.headers.get("Authorization"), "body": body})
                script.ports.add(self.client_address[1])
                step = script.steps.pop(0) if script.steps else "ok"
                script.inflight += 1
                script.max_inflight = max(script.max_inflight, script.inflight)
                script.lock.notify_all()
                script.lock.wait_for(lambda: script.max_inflight >= script.gate, timeout=10)
            try:
                self._answer(step, body)
            finally:
                with script.lock:
                    script.inflight -= 1

        def _answer(self, step: Any, body: dict[str, Any]) -> None:
            if step == "slow":
                time.sleep(0.5)
                step = "ok"
            if isinstance(step, tuple):  # (status, headers, body)
                self._send(step[0], step[2].encode(), headers=step[1])
                return
            if isinstance(step, int):
                self._send(step, b'{"error": {"message": "nope, the server says no"}}')
                return
            text, finish, extra = f"echo {len(script.seen)} words here", "stop", {}
            if "JSON object" in body["messages"][-1]["content"]:  # a judge prompt: a fenced verdict
                text = 'Verdict:\n```json\n{"answer": "YES", "reasoning": "fine"}\n```'
            if step == "empty":
                text = ""
            elif step == "length":
                finish = "length"
            elif step == "think":
                text = "<think>first I plan</think>\n\nThe answer."
            elif step == "reasoning":
                extra = {"reasoning_content": "thought about it"}
            elif step == "surrogate":  # half an emoji: json.dumps escapes it as \\ud83d, as a server may send it
                text = "here is half an emoji \ud83d for you"
            elif step == "surrogate-thinking":
                extra = {"reasoning_content": "cut \udc00 here"}
            message = {"role": "assistant", "content": text, **extra}
            data = json.dumps({"choices": [{"index": 0, "message": message, "finish_reason": finish}]}).encode()
            if step == "truncated":  # promises more bytes than it sends, then closes
                self._send(200, data[:20], length=len(data))
                self.close_connection = True
                return
            if step == "badjson":
                data = data[:25]
            self._send(200, data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    httpd.shutdown()


def _backend(url: str, **kw: Any) -> OpenAIBackend:
    return OpenAIBackend(BackendConfig(kind="openai", base_url=url, model="m", **{"backoff": 0.01, **kw}))


def _chat(backend: OpenAIBackend, **kw: Any) -> Reply:
    return asyncio.run(backend.chat(HI, **kw))


def test_retries_429_and_5xx_then_answers(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [(429, {"Retry-After": "0"}, "{}"), 500, 503]
    assert _chat(_backend(url)) == "echo 4 words here"
    assert len(script.seen) == 4 and script.seen[0]["body"]["model"] == "m"


def test_gives_up_after_max_retries_and_shows_the_server_message(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [500, 500, 500]
    with pytest.raises(StageError, match=r"HTTP 500 \(nope, the server says no\) after 3 attempts"):
        _chat(_backend(url, max_retries=2))


def test_a_timeout_is_retried(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["slow"]
    assert _chat(_backend(url, timeout=0.2)).startswith("echo")
    assert len(script.seen) == 2


@pytest.mark.parametrize("fault", ["truncated", "badjson"])
def test_a_truncated_body_is_retried(server: tuple[str, Script], fault: str) -> None:
    url, script = server
    script.steps = [fault]
    assert _chat(_backend(url)) == "echo 2 words here"


def test_an_empty_completion_is_retried_then_reported(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["empty"]
    assert _chat(_backend(url)) == "echo 2 words here"
    script.steps = ["empty"] * 3
    with pytest.raises(ReplyError, match="empty completion on all 3 attempts"):
        _chat(_backend(url, max_retries=2))


def test_a_completion_cut_at_max_tokens_is_retried_then_reported(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["length"] * 2
    with pytest.raises(ReplyError, match=r"stopped at max_tokens \(512\) on all 2 attempts. raise max_tokens"):
        _chat(_backend(url, max_retries=1))


@pytest.mark.parametrize("step", ["surrogate", "surrogate-thinking"])
def test_a_completion_holding_half_a_surrogate_pair_is_retried_then_reported(
    server: tuple[str, Script], step: str
) -> None:
    url, script = server
    script.steps = [step]
    assert _chat(_backend(url)) == "echo 2 words here"
    script.steps = [step] * 2
    with pytest.raises(ReplyError, match=r"half a UTF-16 surrogate pair \(\\u(d83d|dc00)\), which is no character, "
                       "on all 2 attempts. the server split a character"):
        _chat(_backend(url, max_retries=1))


@pytest.mark.parametrize(
    ("status", "hint"),
    [(404, "base_url must be the /v1 endpoint"), (400, "check `model`, `max_tokens`"), (403, "no access")],
)
def test_a_4xx_shows_the_server_message_and_a_hint(server: tuple[str, Script], status: int, hint: str) -> None:
    url, script = server
    script.steps = [status]
    with pytest.raises(StageError) as err:
        _chat(_backend(url))
    assert f"HTTP {status}: nope, the server says no." in str(err.value) and hint in str(err.value)
    assert len(script.seen) == 1  # not retried


def test_a_401_without_a_key_variable_says_to_name_one(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [401]
    with pytest.raises(StageError, match="name the variable that holds it in api_key_env"):
        _chat(_backend(url))
    assert script.seen[0]["auth"] is None  # no key configured: no Authorization header at all


def test_a_server_without_structured_output_gets_the_plain_request(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = [(400, {}, '{"error": {"message": "response_format is not supported"}}')]
    backend = _backend(url)
    schema = {"type": "json_schema", "json_schema": {"name": "v", "schema": {"type": "object"}}}
    assert _chat(backend, response_format=schema) == "echo 2 words here"
    assert _chat(backend, response_format=schema) == "echo 3 words here"
    sent = ["response_format" in s["body"] for s in script.seen]
    assert sent == [True, False, False]


def test_reasoning_is_cut_from_the_text_and_kept(server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["think", "reasoning"]
    thought = _chat(_backend(url))
    assert thought == "The answer." and thought.reasoning == "first I plan"
    assert thought.raw.startswith("<think>")
    field = _chat(_backend(url))
    assert field == "echo 2 words here" and field.reasoning == "thought about it"


def test_split_reasoning_handles_template_opened_and_unclosed_blocks() -> None:
    assert split_reasoning("plan</think>Answer") == ("Answer", "plan")
    assert split_reasoning("Answer<think>never closed") == ("Answer", "never closed")
    assert split_reasoning("<think>only thinking</think>") == ("", "only thinking")


def test_retry_after_and_jittered_backoff() -> None:
    httpx2 = pytest.importorskip("httpx2")  # the SDK's HTTP library (openai >= 3)

    assert _retry_after(httpx2.Headers({"Retry-After": "7"})) == 7.0
    assert _retry_after(httpx2.Headers({"retry-after-ms": "250"})) == 0.25
    assert 0 <= _retry_after(httpx2.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) <= 1  # type: ignore[operator]
    backend = _backend("http://127.0.0.1:9/v1", backoff=1.0)
    assert backend._delay(3, 7.0) == 7.0
    delays = {backend._delay(2, None) for _ in range(20)}
    assert all(2.0 <= d <= 4.0 for d in delays) and len(delays) > 1


def test_concurrency_is_real_and_connections_are_pooled(server: tuple[str, Script]) -> None:
    url, script = server
    script.gate = 16
    backend = _backend(url, concurrency=16)

    async def many(n: int) -> list[Reply]:
        return await asyncio.gather(*(backend.chat([{"role": "user", "content": str(i)}]) for i in range(n)))

    assert len(asyncio.run(many(32))) == 32
    assert script.max_inflight == 16  # not asyncio.to_thread's default pool, not more than asked
    assert len(script.ports) <= 16  # 32 requests over at most 16 kept-alive connections


def test_the_key_is_sent_but_never_printed(
    server: tuple[str, Script], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, script = server
    monkeypatch.setenv("FTSPEC_TEST_KEY", SECRET)
    script.steps = [401]
    with pytest.raises(StageError) as err:
        _chat(_backend(url, api_key_env="FTSPEC_TEST_KEY"))
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
    assessed = json.loads((tmp_path / "m.json").read_text())
    assert assessed["count"] == assessed["scored"] == 3 and assessed["errors"] == 0
    assert all(seen["auth"] == f"Bearer {SECRET}" for seen in script.seen)
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
