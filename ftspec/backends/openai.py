"""Any OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama, `transformers serve`, hosted APIs).

Built on the official `openai` SDK's AsyncOpenAI: one pooled HTTP client per event loop, up to `concurrency`
requests in flight (no thread pool in between). The SDK's own retries are off; this module retries 408/409/429/5xx,
timeouts, dropped connections and truncated bodies, honouring Retry-After and otherwise backing off exponentially
with jitter. An empty completion, one cut at `max_tokens`, or one holding half a UTF-16 surrogate pair (a character
the server split: no UTF-8 file can hold it) is retried too and then reported, never accepted.
A reasoning model's thinking (`reasoning_content`, `reasoning`, or <think> blocks) is cut out of the reply's text
and kept on it for audit. The API key is read from the environment and appears in no message, log or file.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import os
import random
import re
import time
from typing import Any

import openai

try:  # openai >= 3 ships on httpx2; earlier releases on httpx (the same API for what is used here)
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx  # type: ignore[no-redef,import-not-found,unused-ignore]

from ftspec.backends import Reply, ReplyError
from ftspec.data.batches import lone_surrogate
from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig

Message = dict[str, str]
RETRY_STATUS = frozenset({408, 409, 425, 429})
MAX_WAIT = 120.0  # seconds: the longest single wait, whatever Retry-After asks
HINTS = {
    400: "the server rejected the request: check `model`, `max_tokens` and the prompt length for this backend",
    401: "the server refused the key: check the key in the variable named by api_key_env",
    403: "the key has no access to this model: check `model` or the key's permissions",
    404: "no such endpoint or model: base_url must be the /v1 endpoint and `model` a name the server serves",
    405: "the server does not take chat completions here: base_url must be the /v1 endpoint",
    413: "the request is too large for the server: shorten the prompts or lower `max_tokens`",
    422: "the server could not use the request's parameters: check `model`, `max_tokens` and `temperature`",
}
# A local server needs no key; openai >= 3 refuses to build a client without one unless told it is fine.
_NO_KEY_OK: dict[str, Any] = (
    {"_enforce_credentials": False}
    if "_enforce_credentials" in inspect.signature(openai.AsyncOpenAI.__init__).parameters
    else {}
)
_THINK = re.compile(r"<think>(.*?)</think>", re.S)


class Retryable(Exception):
    """A failure worth another attempt; ``kind`` picks the message when the attempts run out."""

    def __init__(self, reason: str, retry_after: float | None = None, kind: str = "transport") -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.kind = kind


class OpenAIBackend:
    """POST /chat/completions through AsyncOpenAI with retries, jittered backoff and bounded concurrency."""

    def __init__(self, cfg: BackendConfig) -> None:
        self.cfg = cfg
        self.where = f"{cfg.base_url.rstrip('/')} (model {cfg.model or '?'})"
        self._key = _api_key(cfg)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: openai.AsyncOpenAI | None = None
        self._sem: asyncio.Semaphore | None = None
        self.schema_refused = False  # the server rejected response_format once: stop sending it

    def _bind(self) -> tuple[openai.AsyncOpenAI, asyncio.Semaphore]:
        """The client and semaphore of the running loop (a pooled client cannot outlive its loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._client is None or self._sem is None:
            limits = httpx.Limits(max_connections=self.cfg.concurrency, max_keepalive_connections=self.cfg.concurrency)
            self._client = openai.AsyncOpenAI(
                api_key=self._key or "",  # "" sends no Authorization header; never the OPENAI_API_KEY fallback
                base_url=self.cfg.base_url,
                timeout=self.cfg.timeout,
                max_retries=0,
                http_client=openai.DefaultAsyncHttpxClient(limits=limits, timeout=self.cfg.timeout),
                **_NO_KEY_OK if not self._key else {},
            )
            self._sem = asyncio.Semaphore(self.cfg.concurrency)
            self._loop = loop
        return self._client, self._sem

    async def chat(self, messages: list[Message], response_format: dict[str, Any] | None = None) -> Reply:
        client, sem = self._bind()
        async with sem:
            return await self._with_retries(client, messages, response_format)

    async def _with_retries(
        self, client: openai.AsyncOpenAI, messages: list[Message], response_format: dict[str, Any] | None
    ) -> Reply:
        attempts = self.cfg.max_retries + 1
        for attempt in range(attempts):
            try:
                return await self._once(client, messages, response_format)
            except Retryable as exc:
                if attempt == attempts - 1:
                    raise self._gave_up(exc, attempts) from None
                await asyncio.sleep(self._delay(attempt, exc.retry_after))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_WAIT)
        base = min(self.cfg.backoff * 2.0**attempt, MAX_WAIT)
        return base * (0.5 + random.random() / 2)  # jitter: retries from many requests do not arrive together

    def _gave_up(self, exc: Retryable, attempts: int) -> StageError:
        if exc.kind == "empty":
            return ReplyError(
                f"{self.where}: the server returned an empty completion on all {attempts} attempts. check that the "
                "model has a chat template and answers a plain prompt (see the server's log)"
            )
        if exc.kind == "surrogate":  # no UTF-8 file can hold it: writing the record would fail
            return ReplyError(
                f"{self.where}: the completion held half a UTF-16 surrogate pair ({exc}), which is no character, on "
                f"all {attempts} attempts. the server split a character when it decoded the tokens: update or "
                "fix the server (its detokenizer), or serve the model with another one"
            )
        if exc.kind == "length":
            return ReplyError(
                f"{self.where}: the completion stopped at max_tokens ({self.cfg.max_tokens}) on all {attempts} "
                "attempts. raise max_tokens for this backend in ftspec.yaml"
            )
        return StageError(
            f"{self.where}: {exc} after {attempts} attempts. check the server, or raise max_retries / timeout for "
            "this backend in ftspec.yaml"
        )

    async def _once(
        self, client: openai.AsyncOpenAI, messages: list[Message], response_format: dict[str, Any] | None
    ) -> Reply:
        extra: dict[str, Any] = {} if self._key else {"extra_headers": {"Authorization": openai.Omit()}}
        schema = response_format is not None and not self.schema_refused
        if schema:
            extra["response_format"] = response_format
        try:
            completion = await client.chat.completions.create(
                model=self.cfg.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.cfg.temperature,
                max_tokens=self.cfg.max_tokens,
                **extra,
            )
        except openai.APIStatusError as exc:
            if schema and exc.status_code in (400, 422):  # the server does not do structured output: plain prompt
                self.schema_refused = True
                return await self._once(client, messages, None)
            raise self._status_error(exc) from None
        except openai.APITimeoutError:
            raise Retryable(f"timed out after {self.cfg.timeout:g} s") from None
        except openai.APIConnectionError as exc:  # refused, reset, or a body cut short (httpx RemoteProtocolError)
            raise Retryable(f"connection failed: {_cause(exc)}") from None
        except ValueError as exc:  # a JSON body cut short
            raise Retryable(f"unreadable reply body ({type(exc).__name__})") from None
        return self._reply(completion)

    def _reply(self, completion: Any) -> Reply:
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list):
            raise StageError(f"{self.where}: the reply is not an OpenAI chat completion. is base_url the /v1 endpoint?")
        if not choices:
            raise Retryable("no choices in the reply", kind="empty")
        choice = choices[0]
        message = choice.message
        raw = message.content or ""
        field = getattr(message, "reasoning_content", None) or getattr(message, "reasoning", None)
        text, reasoning = split_reasoning(raw, field if isinstance(field, str) else None)
        if choice.finish_reason == "length":
            raise Retryable("cut at max_tokens", kind="length")
        if not text:
            raise Retryable("empty completion", kind="empty")
        if half := lone_surrogate([raw, field]):
            raise Retryable(half, kind="surrogate")
        return Reply(text, reasoning, raw)

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        code = exc.status_code
        said = _server_message(exc)
        if code in RETRY_STATUS or code >= 500:
            return Retryable(f"HTTP {code}" + (f" ({said})" if said else ""), _retry_after(exc.response.headers))
        hint = HINTS.get(code, "check base_url, model and the server's log")
        if code == 401 and not self.cfg.api_key_env:
            hint = "the server wants a key: name the variable that holds it in api_key_env and export it"
        return StageError(f"{self.where}: HTTP {code}: {said or 'no message'}. {hint}")


def split_reasoning(content: str, reasoning: str | None = None) -> tuple[str, str]:
    """(reply text, reasoning): <think> blocks and a template-opened block (only `</think>`) cut out of the text."""
    parts = [reasoning] if reasoning else []
    parts += _THINK.findall(content)
    text = _THINK.sub("", content)
    if "</think>" in text:  # the chat template opened the block in the prompt
        head, _, text = text.rpartition("</think>")
        parts.append(head)
    elif "<think>" in text:  # never closed: the model spent its tokens thinking
        text, _, tail = text.partition("<think>")
        parts.append(tail)
    return text.strip(), "\n\n".join(p.strip() for p in parts if p.strip())


def _api_key(cfg: BackendConfig) -> str | None:
    if cfg.api_key_env is None:
        return None
    key = os.environ.get(cfg.api_key_env)
    if not key:
        raise StageError(
            f"backend {cfg.model or cfg.base_url}: environment variable {cfg.api_key_env} is not set. "
            f"export {cfg.api_key_env}=... before running (keys are never read from files)"
        )
    return key


def _server_message(exc: openai.APIStatusError) -> str:
    """The server's own words: error.message / message / detail of a JSON body, else the start of the body."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        body = (inner.get("message") or inner.get("detail") or inner) if isinstance(inner, dict) else inner
    if body is None:
        try:
            body = exc.response.text
        except Exception:  # the body was never read
            body = ""
    return " ".join(str(body).split())[:300]


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or an HTTP date, or retry-after-ms)."""
    if ms := headers.get("retry-after-ms"):
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if _is_date(value) else None
        return max(when.timestamp() - time.time(), 0.0) if when else None


def _is_date(value: str) -> bool:
    try:
        email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause else str(exc)
