"""A local transformers causal LM (optionally with a PEFT adapter), loaded from a path; one reply at a time."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any

from ftspec.models.manifest import BackendConfig

Message = dict[str, str]


class TransformersBackend:
    """Generates one reply at a time on the local device; the model loads on first use."""

    def __init__(self, cfg: BackendConfig) -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    async def chat(self, messages: list[Message], response_format: dict[str, Any] | None = None) -> str:
        return await asyncio.to_thread(self._generate, messages)

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from ftspec.pipeline.common import load_causal_lm

            self._loaded = load_causal_lm(self.cfg.model, self.cfg.adapter)
        return self._loaded

    def _generate(self, messages: list[Message]) -> str:
        import torch

        with self._lock:
            model, tokenizer = self._load()
            inputs = tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            ).to(model.device)
            sample = self.cfg.temperature > 0
            if sample:  # seeded from the prompt, so a rerun (or a resume) gives the same reply
                torch.manual_seed(int(hashlib.sha256(repr(messages).encode()).hexdigest()[:15], 16))
            with torch.no_grad():
                output = model.generate(
                    **inputs,
                    max_new_tokens=self.cfg.max_tokens,
                    do_sample=sample,
                    temperature=self.cfg.temperature if sample else None,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new = output[0, inputs["input_ids"].shape[1] :]
            return str(tokenizer.decode(new, skip_special_tokens=True)).strip()
