"""LLM backends: a registry of small classes that turn chat messages into a reply, asynchronously."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ftspec.models.manifest import BackendConfig

Message = dict[str, str]
Role = str  # "user_simulator" | "assistant" | "judge" | "model" (the model under evaluation)


class Backend(Protocol):
    """Anything that answers a list of chat messages with one reply."""

    async def chat(self, messages: list[Message]) -> str: ...


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
