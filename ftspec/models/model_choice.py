"""model-choice.md frontmatter: the chosen base model and its deployment facts."""

from __future__ import annotations

from pydantic import Field

from ftspec.models.base import Strict


class ModelChoice(Strict):
    """Frontmatter of model-choice.md; the body needs a Tradeoffs section."""

    model: str = Field(min_length=1, description="Model id or local path, e.g. google/gemma-3-12b-it.")
    params: str = Field(min_length=1, description="Size, e.g. 12B.")
    license: str = Field(min_length=1)
    context_window: int = Field(gt=0, description="Max context length in tokens.")
    quantization: str = Field(min_length=1, description="Quantization / format for deployment, e.g. Q4_K_M GGUF.")
    deployment_target: str = Field(min_length=1, description="Where it runs: Ollama, llama.cpp, vLLM, MLX, ...")
    max_tokens_per_example: int | None = Field(None, gt=0, description="Token budget, if not in ftspec.yaml.")
    instruction_tuned: bool | None = None
    alternatives: list[str] = Field(default_factory=list, description="Models considered and rejected.")
