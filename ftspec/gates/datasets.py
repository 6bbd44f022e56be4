"""Which data files a project's training config names, and their one-pass summaries, for the data gates.

Data files are pipeline outputs: before the pipeline has run they do not exist, and the data gates say so and
skip (NotApplicable) rather than fail. A configured file that exists is read, and every file read is tracked
so a cached gate result goes stale when the data changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftspec.errors import Location, SpecError
from ftspec.gates.context import GateContext

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
    """The configured data sets (of these roles) that exist; NotApplicable when none does yet.

    A declared file that is missing is a pipeline output not written yet (a dvc.yaml stage writes it), a hub
    dataset id (ftspec downloads nothing), or a wrong path: that last one is a finding of data.format.
    """
    sets = [s for s in configured(ctx) if roles is None or s.role in roles]
    for data_set in sets:
        track(ctx, data_set.path)
    found = [s for s in sets if s.path.exists()]
    if not found:
        from ftspec.gates.dataref import why_missing

        raise why_missing(ctx, [(s.role, s.rel) for s in sets])
    limit = int(gate_params(ctx, "data.format", "ftspec.gates.data")["max_file_bytes"])
    for data_set in found:
        _readable(ctx, data_set, limit)
    return found


def _readable(ctx: GateContext, data_set: DataSet, limit: int) -> None:
    """Refuse a data set before any of it is read: a link inside a saved-dataset folder that leads outside
    the project (or to a FIFO or device), or more bytes than data.format's max_file_bytes."""
    size = 0
    for rel, path in _files(data_set):
        refused = ctx.project.refused(rel, ("data", data_set.role), "training")
        if refused is not None:
            raise refused
        size += path.stat().st_size if path.is_file() else 0
    if size > limit:
        raise SpecError(data_set.at(), f"{data_set.rel} is {_megabytes(size)}, over the {_megabytes(limit)} "
                        "limit for one data file (not read)", "split it into smaller files, or raise gates: "
                        "data.format: max_file_bytes in ftspec.yaml")


def _files(data_set: DataSet) -> list[tuple[str, Path]]:
    """(project-relative path, path) of a data file, or of everything inside a saved-dataset folder (its
    links are not followed into folders: each is checked as a path of its own)."""
    if not data_set.path.is_dir():
        return [(data_set.rel, data_set.path)]
    found = []
    for folder, dirs, files in os.walk(data_set.path):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            found.append((str(Path(data_set.rel) / path.relative_to(data_set.path)), path))
    return found


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size < 10**7 else f"{size / 1e6:,.0f} MB"


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
        checks(ctx),
    )


def gate_params(ctx: GateContext, gate_id: str, module: str) -> dict[str, Any]:
    """Another data gate's merged settings: the one pass serves every gate, so it honours all of theirs."""
    from ftspec.gates.context import merged_params
    from ftspec.gates.params import setting_problems
    from ftspec.gates.registry import load_gate

    if gate_id == ctx.gate.id:
        return ctx.params
    other = load_gate(gate_id, module)
    settings = ctx.project.manifest.gates.get(gate_id) or {}
    if isinstance(settings, dict) and any(setting_problems(other, settings)):
        # manifest.schema reports the bad value at its line; this pass must not crash on it (`limit: ~`, `.nan`)
        return dict(other.defaults)
    return merged_params(ctx.project, other)


def checks(ctx: GateContext) -> Any:
    """The settings of the per-message checks, from the gates that report them."""
    from ftspec.data.pii import CRISIS_LINES
    from ftspec.data.summary import Checks

    ratio = gate_params(ctx, "data.length-ratio", "ftspec.gates.content")
    found = gate_params(ctx, "data.artifacts", "ftspec.gates.content")
    lang = gate_params(ctx, "data.language", "ftspec.gates.content")
    pii = gate_params(ctx, "data.pii", "ftspec.gates.data")
    fmt = gate_params(ctx, "data.format", "ftspec.gates.data")
    listed = found.get("patterns")
    patterns: dict[str, Any] = listed if isinstance(listed, dict) else {}  # data.artifacts reports a bad one
    return Checks(
        ratio_limit=float(ratio["limit"]),
        ratio_share=float(ratio["share"]),
        artifacts=tuple(
            (str(k), tuple(str(p) for p in ([v] if isinstance(v, str) else v or ())))
            for k, v in sorted(patterns.items())
        ),
        ignore_artifacts=tuple(found.get("ignore") or ()),
        artifact_roles=tuple(found["roles"]),
        languages=tuple(ctx.project.manifest.languages),
        min_words=int(lang["min_words"]),
        pii_allow=tuple(str(v) for v in [*(pii.get("allow") or ()), *(CRISIS_LINES if pii["crisis_lines"] else ())]),
        max_record_bytes=int(fmt["max_record_bytes"]) if fmt.get("max_record_bytes") else None,
        source_keys=tuple(ctx.project.manifest.data.source_key),
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
