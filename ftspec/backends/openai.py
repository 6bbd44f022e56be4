"""Any OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama, hosted APIs), stdlib only.

Requests run in worker threads under an asyncio semaphore; 429, 5xx, connection errors and timeouts are retried
with exponential backoff. The API key is read from the environment and appears in no message, log or file.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from typing import Any

from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig

Message = dict[str, str]


class Retryable(Exception):
    """A failure worth retrying: rate limit, server error, timeout or dropped connection."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAIBackend:
    """POST /chat/completions with retries, backoff, timeouts and bounded concurrency."""

    def __init__(self, cfg: BackendConfig) -> None:
        self.cfg = cfg
        self.url = cfg.base_url.rstrip("/") + "/chat/completions"
        self._key = _api_key(cfg)
        self._sem: asyncio.Semaphore | None = None

    async def chat(self, messages: list[Message]) -> str:
        if self._sem is None:  # created inside the running loop
            self._sem = asyncio.Semaphore(self.cfg.concurrency)
        payload = {
            "model": self.cfg.model,
            "messages": messages,
            "temperature": self.cfg.temperature,
            "max_tokens": self.cfg.max_tokens,
        }
        async with self._sem:
            return await self._with_retries(payload)

    async def _with_retries(self, payload: dict[str, Any]) -> str:
        delay = self.cfg.backoff
        for attempt in range(self.cfg.max_retries + 1):
            try:
                return await asyncio.to_thread(self._post, payload)
            except Retryable as exc:
                if attempt == self.cfg.max_retries:
                    raise StageError(
                        f"{self.url}: {exc} after {attempt + 1} attempts. check the server, or raise "
                        "max_retries / timeout for this backend in ftspec.yaml"
                    ) from None
                await asyncio.sleep(min(exc.retry_after, 60.0) if exc.retry_after else delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _post(self, payload: dict[str, Any]) -> str:
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, json.dumps(payload).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.cfg.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, self.url) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise Retryable(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
        return _content(body, self.url)


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


def _http_error(exc: urllib.error.HTTPError, url: str) -> Exception:
    if exc.code == 429 or exc.code >= 500:
        after = exc.headers.get("Retry-After") if exc.headers else None
        return Retryable(f"HTTP {exc.code}", float(after) if after and after.replace(".", "", 1).isdigit() else None)
    return StageError(f"{url}: HTTP {exc.code} {exc.reason}. check base_url, model and the API key variable")


def _content(body: bytes, url: str) -> str:
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise StageError(f"{url}: the reply is not an OpenAI chat completion. is base_url the /v1 endpoint?") from None
    if not isinstance(content, str):
        raise StageError(f"{url}: the completion has no text content")
    return content
