"""The project manifest, ftspec.yaml: project name, architecture, artifact paths and gate settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from ftspec.models.base import RuleError, Strict
from ftspec.models.languages import language_code

Architecture = Literal["fine-tuning", "hybrid", "rag-only"]


class Paths(Strict):
    """Where each artifact lives, relative to the project root."""

    sidecar: str = "sidecar.yaml"
    decision_log: str = "decision-log.md"
    model_choice: str = "model-choice.md"
    base_eval: str = "base-model-eval-results.md"
    taxonomy: str = "config/input-taxonomy.yaml"
    rubric: str = "config/rubric.yaml"
    personas: str = "config/persona-template.yaml"
    system_prompt: str = "config/system-prompt.md"
    user_sim_prompt: str = "config/prompts/user_sim.md"
    assistant_prompt: str = "config/prompts/assistant.md"
    training: str = "config/training.yaml"
    training_spec: str = "phase-2-training/training-spec.md"
    gates: str = Field("gates", description="Folder of the project's own gates (test_*.py).")


class TokenBudget(Strict):
    """Token economics: the longest training example the project plans for."""

    max_tokens_per_example: int = Field(gt=0, description="Max tokens of one training example (transcript).")


class GeneratorSettings(Strict):
    """What the data generator provides to prompts."""

    extra_placeholders: list[str] = Field(
        default_factory=list, description="Placeholders a custom generator provides beyond the built-in ones."
    )


class CheckSettings(Strict):
    """How `ftspec check` runs pytest."""

    pytest_plugins: list[str] = Field(
        default_factory=list,
        description="pytest plugins the project's own gates need (ftspec check does not autoload plugins).",
    )
    timeout: float = Field(60.0, gt=0, le=86_400, allow_inf_nan=False,
                           description="Seconds one gate may run before it is stopped and fails.")


Role = Literal["system", "user", "assistant", "tool"]
COMPARED_ROLES: tuple[Role, ...] = ("user", "assistant", "tool")
SOURCE_KEYS = ["metadata.source_id", "source_id", "source_transcript", "transcript", "source"]


class ContaminationSettings(Strict):
    """What the contamination check compares: one definition for the gate, `ftspec contamination` and split."""

    ngram: int = Field(13, ge=1, description="Words per n-gram (13: GPT-3, lm-eval-harness).")
    roles: list[Role] = Field(
        default_factory=lambda: list(COMPARED_ROLES),
        description="Message roles compared (the system prompt is left out by default: every record shares it).",
    )
    shared_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Text in at least this share of one side's records (a system prompt, a fixed instruction) "
        "is left out of the comparison and reported.",
    )
    shared_min_records: int = Field(
        3, ge=2, description="... and in at least this many records (a pair of records shares nothing by chance)."
    )


class DataSettings(Strict):
    """How the data gates read the training and eval sets."""

    source_key: list[str] = Field(
        default_factory=lambda: list(SOURCE_KEYS),
        description="Keys naming the transcript a record was sliced from, first found wins (dotted: in a mapping).",
    )
    contamination: ContaminationSettings = Field(default_factory=lambda: ContaminationSettings())


BackendKind = Literal["openai", "transformers", "scripted"]


class BackendConfig(Strict):
    """One LLM backend for a role; API keys are read from the environment variable named in api_key_env."""

    kind: BackendKind = Field(description="openai (any OpenAI-compatible server), transformers (local), scripted.")
    model: str = Field("", description="Model name on the server, or a local path for transformers.")
    base_url: str = Field("http://localhost:8000/v1", description="OpenAI-compatible endpoint (openai kind).")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key; never the key.")
    adapter: str | None = Field(None, description="PEFT adapter directory to load on top (transformers kind).")
    concurrency: int = Field(8, ge=1, description="Requests in flight at once.")
    max_retries: int = Field(5, ge=0, description="Retries on 429, 5xx and timeouts, with exponential backoff.")
    backoff: float = Field(1.0, gt=0, description="First backoff delay in seconds; doubles per retry.")
    timeout: float = Field(120.0, gt=0, description="Seconds before one request is abandoned.")
    temperature: float = Field(0.7, ge=0)
    max_tokens: int = Field(512, ge=1)


class Backends(Strict):
    """Which backend plays each role in generation and assessment."""

    user_simulator: BackendConfig
    assistant: BackendConfig
    judges: list[BackendConfig] = Field(min_length=1, description="Several judges: the strictest verdict wins.")


class GenerateSettings(Strict):
    """How many conversations to generate and from which seed."""

    conversations: int = Field(100, ge=1)
    seed: int = 0
    max_turns: int | None = Field(None, ge=1, description="Cap on turns per conversation (after turn_ranges).")


class SplitSettings(Strict):
    """Slicing and the transcript-level train/eval split (methodology.md section 4)."""

    eval_fraction: float = Field(0.2, gt=0, lt=1)
    seed: int = 0
    first_slice: int = Field(3, ge=1, description="Exchanges before the first slice.")
    min_gap: int = Field(2, ge=1)
    max_gap: int = Field(5, ge=1)
    ngram: int | None = Field(
        None, ge=1, description="Deprecated: set data.contamination.ngram (split and the gate share it)."
    )


class EvalSettings(Strict):
    """Base and fine-tuned evaluation on the same eval personas; the ship decision."""

    personas: int = Field(20, ge=2, description="Eval conversations each model answers.")
    min_gain: float = Field(0.10, description="Absolute score gain required to ship.")
    alpha: float = Field(0.05, gt=0, lt=1, description="Paired t-test significance level.")
    max_new_tokens: int = Field(256, ge=1)


class JudgingSettings(Strict):
    """How much judge failure a stage tolerates (assess, base-eval, evaluate)."""

    max_error_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Largest share of judged records with an ERROR verdict before the stage fails. Errored records "
        "are left out of every score either way.",
    )


class TrainSettings(Strict):
    """Run-level settings that are not part of the training spec."""

    max_steps: int = Field(-1, description="Stop after this many optimizer steps (-1: train the full epochs).")


class PipelineSettings(Strict):
    """Settings of the DVC pipeline stages."""

    generate: GenerateSettings = Field(default_factory=lambda: GenerateSettings())
    split: SplitSettings = Field(default_factory=lambda: SplitSettings())
    eval: EvalSettings = Field(default_factory=lambda: EvalSettings())
    train: TrainSettings = Field(default_factory=lambda: TrainSettings())
    judging: JudgingSettings = Field(default_factory=lambda: JudgingSettings())


class Manifest(Strict):
    """ftspec.yaml: the project manifest."""

    project: str = Field(min_length=1, description="Project name.")
    description: str = ""
    architecture: Architecture = Field("fine-tuning", description="rag-only projects skip the training step.")
    languages: list[Annotated[str, AfterValidator(language_code)]] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="ISO 639-1 codes of the languages the assistant speaks (data.language); English when absent.",
    )
    paths: Paths = Field(default_factory=lambda: Paths())
    token_budget: TokenBudget | None = None
    generator: GeneratorSettings = Field(default_factory=lambda: GeneratorSettings())
    check: CheckSettings = Field(default_factory=lambda: CheckSettings())
    backends: Backends | None = Field(None, description="LLM backends per role for generate and assess.")
    pipeline: PipelineSettings = Field(default_factory=lambda: PipelineSettings())
    data: DataSettings = Field(default_factory=lambda: DataSettings(), description="How data files are read.")

    @model_validator(mode="after")
    def check_one_ngram(self) -> Manifest:
        ngram = self.pipeline.split.ngram
        if ngram is not None and ngram != self.data.contamination.ngram:
            raise RuleError(
                ("pipeline", "split", "ngram"),
                f"{ngram} differs from data.contamination.ngram {self.data.contamination.ngram}, which the "
                "contamination gate uses. move it to data.contamination.ngram so split drops what the gate flags",
            )
        return self
    gates: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-gate settings: thresholds, `skip: reason`, `severity: error|warning`.",
    )
    allow_outside: list[str] = Field(
        default_factory=list,
        description="Locations outside the project that its paths may name (read-only), e.g. a shared data folder.",
    )
