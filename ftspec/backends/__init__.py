"""LLM backends: a registry of small classes that turn chat messages into a reply, asynchronously."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ftspec.errors import StageError
from ftspec.models.manifest import BackendConfig

Message = dict[str, str]
Role = str  # "user_simulator" | "assistant" | "judge" | "model" (the model under evaluation)

# How a request travels, not what it asks: changing these reuses every record already made. Everything else in a
# BackendConfig (model, base_url, sampling, max_tokens, adapter) changes what the model says, so it invalidates.
TRANSPORT_FIELDS = frozenset({"timeout", "max_retries", "backoff", "concurrency", "api_key_env"})


class Reply(str):
    """A completion's text; a reasoning model's thinking (cut out of the text) and the raw reply ride along."""

    reasoning: str
    raw: str

    def __new__(cls, text: str, reasoning: str = "", raw: str | None = None) -> Reply:
        obj = super().__new__(cls, text)
        obj.reasoning = reasoning
        obj.raw = text if raw is None else raw
        return obj


class ReplyError(StageError):
    """The server answered, but with no usable text (empty, or cut at max_tokens) on every attempt."""


class Backend(Protocol):
    """Anything that answers a list of chat messages with one reply.

    ``response_format`` is an OpenAI structured-output request (a JSON schema); backends that cannot honour it
    ignore it, so callers must still parse the reply tolerantly.
    """

    async def chat(self, messages: list[Message], response_format: dict[str, Any] | None = None) -> str: ...


def content_settings(cfg: BackendConfig) -> dict[str, Any]:
    """The settings that decide what a backend says (what a record's fingerprint covers)."""
    return cfg.model_dump(exclude=set(TRANSPORT_FIELDS))


def _openai(cfg: BackendConfig, role: Role) -> Backend:
    from ftspec.backends.openai import OpenAIBackend

    return OpenAIBackend(cfg)


def _transformers(cfg: BackendConfig, role: Role) -> Backend:
    from ftspec.backends.local import TransformersBackend

    return TransformersBackend(cfg)


def _scripted(cfg: BackendConfig, role: Role) -> Backend:
    from ftspec.backends.scripted import ScriptedBackend

    return ScriptedBackend(cfg, role)


BACKENDS: dict[str, Callable[[BackendConfig, Role], Backend]] = {
    "openai": _openai,
    "transformers": _transformers,
    "scripted": _scripted,
}


def build_backend(cfg: BackendConfig, role: Role) -> Backend:
    """The backend for one role, from its ftspec.yaml settings."""
    return BACKENDS[cfg.kind](cfg, role)
