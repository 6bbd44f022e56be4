"""Which data files a project's training config names, and their one-pass summaries, for the data gates.

Data files are pipeline outputs: before the pipeline has run they do not exist, and the data gates say so and
skip (NotApplicable) rather than fail. A configured file that exists is read, and every file read is tracked
so a cached gate result goes stale when the data changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftspec.errors import Location, SpecError
from ftspec.gates.context import GateContext, NotApplicable

SFT_SETS, DPO_SETS = ("train", "eval"), ("dpo_train", "dpo_eval")


@dataclass(frozen=True)
class DataSet:
    """A configured data file: its role (train, eval, dpo_train, dpo_eval), paths and expected shape."""

    role: str
    rel: str
    path: Path
    shape: str
    max_length: int | None

    @property
    def is_train(self) -> bool:
        return self.role in ("train", "dpo_train")

    def at(self, line: int = 1) -> Location:
        """A record's line; a finding about the whole file points at its first line."""
        return Location(self.rel, max(line, 1))


def configured(ctx: GateContext) -> list[DataSet]:
    """The data sets the approach uses, whether or not they exist yet."""
    training = ctx.value("training")
    data, approach = training.data, training.approach
    sets: list[DataSet | None] = []
    if "sft" in approach:
        limit = training.sft.max_length if training.sft else _budget(ctx)
        sets += [_set(ctx, role, getattr(data, role), data.format, limit) for role in SFT_SETS]
    if "dpo" in approach:
        limit = training.dpo.max_length if training.dpo else _budget(ctx)
        sets += [_set(ctx, role, getattr(data, role), "preference", limit) for role in DPO_SETS]
    return [s for s in sets if s is not None]


def _set(ctx: GateContext, role: str, rel: str | None, shape: str, limit: int | None) -> DataSet | None:
    if not rel:
        return None
    refused = ctx.project.refused(rel, ("data", role), "training")
    if refused is not None:  # outside the project, a FIFO or a device: never opened
        raise refused
    return DataSet(role, rel, ctx.project.root / rel, shape, limit)


def _budget(ctx: GateContext) -> int | None:
    budget = ctx.project.manifest.token_budget
    return budget.max_tokens_per_example if budget else None


def present(ctx: GateContext, roles: tuple[str, ...] | None = None) -> list[DataSet]:
    """The configured data sets (of these roles) that exist; NotApplicable when none does yet."""
    sets = [s for s in configured(ctx) if roles is None or s.role in roles]
    for data_set in sets:
        track(ctx, data_set.path)
    found = [s for s in sets if s.path.exists()]
    if not found:
        names = ", ".join(s.rel for s in sets) or "none configured"
        raise NotApplicable(f"no data yet ({names}); the pipeline writes it")
    return found


def track(ctx: GateContext, path: Path) -> None:
    """Record a data file (or every file of a saved-dataset directory) as an input of the running gate."""
    ctx.project.track_file(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file():
                ctx.project.track_file(child)


def summary(ctx: GateContext, data_set: DataSet) -> Any:
    """The one-pass summary of a data set (see ftspec.data.summary)."""
    from ftspec.data.summary import summarise

    return summarise(
        data_set.path,
        data_set.rel,
        data_set.shape,
        token_counter(ctx),
        data_set.max_length,
        ctx.value("training").data.tokenizer,
    )


def token_counter(ctx: GateContext) -> Any:
    """The configured local tokenizer, or the approximation when there is none."""
    from ftspec.data.tokens import counter

    rel = ctx.value("training").data.tokenizer
    if rel is None:
        return counter(None)
    refused = ctx.project.refused(rel, ("data", "tokenizer"), "training")
    if refused is not None:
        raise refused
    path = ctx.project.root / rel
    track(ctx, path)
    if not path.exists():  # data.token-length reports it; the other gates need no token counts
        return counter(None)
    try:
        return counter(path)
    except Exception as exc:  # noqa: BLE001 - transformers raises many types for a bad tokenizer directory
        raise SpecError(
            ctx.at("training", ["data", "tokenizer"]),
            f"cannot load the tokenizer {rel}: {exc}",
            "point data.tokenizer at a directory holding tokenizer.json / tokenizer_config.json",
        ) from None
