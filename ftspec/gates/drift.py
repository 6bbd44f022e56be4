"""Drift gate: phase-2-training/training-spec.md states the numbers config/training.yaml holds, and no others."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from ftspec.errors import Location, SpecError
from ftspec.gates.context import GateContext, NotApplicable
from ftspec.gates.mdfields import Stated, first_number, stated_fields
from ftspec.gates.registry import gate
from ftspec.gates.training import same_model
from ftspec.gates.workflow import is_skip_record
from ftspec.loader import MarkdownDoc, YamlDoc, parse_yaml
from ftspec.models.training import StageArgs, Training
from ftspec.placeholders import is_stand_in
from ftspec.results import Finding

SOURCE = "DESIGN.md: one source of truth per fact; a Markdown restatement must agree with the YAML"
Getter = Callable[[Training], list[tuple[str, Any]]]  # -> [(yaml key path, value)]


def _peft(key: str) -> Getter:
    return lambda t: [(f"peft.{key}", getattr(t.peft, key))]


def _monitoring(key: str) -> Getter:
    return lambda t: [(f"monitoring.{key}", getattr(t.monitoring, key))]


def _stage(key: str, only: str | None = None) -> Getter:
    def get(t: Training) -> list[tuple[str, Any]]:
        return [(f"{name}.{key}", _arg(args, key)) for name, args in t.stages.items() if only in (None, name)]

    return get


def _arg(args: StageArgs, key: str) -> Any:
    return args.effective_batch_size if key == "effective_batch_size" else getattr(args, key, None)


def _batch(only: str | None = None) -> Getter:
    """A stated batch size may be per device or effective (per device x gradient accumulation)."""
    return lambda t: _stage("per_device_train_batch_size", only)(t) + _stage("effective_batch_size", only)(t)


def _patience(t: Training) -> list[tuple[str, Any]]:
    stop = t.monitoring.early_stopping
    return [("monitoring.early_stopping.patience", stop.patience if stop else None)]


NUMBERS: dict[str, Getter] = {
    "rank": _peft("r"), "lora rank": _peft("r"), "r": _peft("r"),
    "alpha": _peft("lora_alpha"), "lora alpha": _peft("lora_alpha"),
    "dropout": _peft("lora_dropout"), "lora dropout": _peft("lora_dropout"),
    "learning rate": _stage("learning_rate"), "epochs": _stage("num_train_epochs"),
    "batch size": _batch(),
    "per device batch size": _stage("per_device_train_batch_size"),
    "gradient accumulation": _stage("gradient_accumulation_steps"),
    "gradient accumulation steps": _stage("gradient_accumulation_steps"),
    "effective batch size": _stage("effective_batch_size"),
    "warmup": _stage("warmup_ratio"), "warmup ratio": _stage("warmup_ratio"),
    "weight decay": _stage("weight_decay"),
    "max length": _stage("max_length"), "max sequence length": _stage("max_length"),
    "beta": _stage("beta", "dpo"), "dpo beta": _stage("beta", "dpo"),
    "logging steps": _monitoring("logging_steps"), "eval steps": _monitoring("eval_steps"),
    "save steps": _monitoring("save_steps"), "early stopping patience": _patience, "patience": _patience,
    "seed": lambda t: [("seed", t.seed)],
}
STAGE_PREFIX = re.compile(r"^(sft|dpo) (.+)$")


@gate("training-spec.drift", phase="training", needs=("training_spec", "training"), source=SOURCE)
def drift(ctx: GateContext) -> Iterator[Finding]:
    """Every value training-spec.md states (model, approach, method, rank, learning rate, ...) matches the YAML."""
    loaded = ctx.project.load("training_spec")
    if loaded.missing or not isinstance(loaded.doc, MarkdownDoc):
        raise NotApplicable(f"{loaded.rel} is missing or unreadable (see workflow.training-outputs)")
    doc = loaded.doc
    if is_skip_record(doc):
        raise NotApplicable(f"{loaded.rel} is a skip record")
    config: Training = ctx.value("training")
    for stated in stated_fields(doc.body, doc.body_line):
        yield from _check(ctx, loaded.rel, stated, config)
    source = ctx.yaml("training")
    for text, offset in yaml_blocks(doc):
        try:
            block = parse_yaml(text, doc.rel, line_offset=offset)
        except SpecError as exc:
            yield Finding.from_error(exc)
            continue
        yield from _compare_block(block, source.data if source else {})


def yaml_blocks(doc: MarkdownDoc) -> Iterator[tuple[str, int]]:
    """Each ```yaml fenced block of the body and its line offset in the file (a restated configuration)."""
    lines = doc.body.splitlines()
    start: int | None = None
    for idx, line in enumerate(lines):
        fence = line.strip()
        if start is None and fence.lower() in ("```yaml", "```yml"):
            start = idx + 1
        elif start is not None and fence == "```":
            yield "\n".join(lines[start:idx]) + "\n", doc.body_line + start - 1
            start = None


def _compare_block(block: YamlDoc, source: Any) -> Iterator[Finding]:
    """Every leaf the block shares with config/training.yaml holds the same value there."""
    for keypath, value in _leaves(block.data):
        held = _lookup(source, keypath)
        if held is _ABSENT or _equal(value, held):
            continue
        where = block.locate(keypath)
        yield Finding(where, f"the YAML block says {where.keypath}: {value} but config/training.yaml has {held}",
                      "update the block or, better, point to config/training.yaml instead of copying it")


_ABSENT = object()


def _leaves(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, (*path, key))
    else:
        yield path, node


def _lookup(node: Any, keypath: tuple[str | int, ...]) -> Any:
    for key in keypath:
        if not isinstance(node, dict) or key not in node:
            return _ABSENT
        node = node[key]
    return node


def _equal(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return _same(float(a), float(b))
    return bool(a == b)


def _check(ctx: GateContext, rel: str, stated: Stated, config: Training) -> Iterator[Finding]:
    where = Location(rel, stated.line, 1, stated.label)
    if stated.label in TEXTS:
        problem = TEXTS[stated.label](stated.value, config)
    else:
        getter, label = _getter(stated.label)
        if getter is None:
            return
        problem = _compare_number(stated.value, getter(config), label)
    if problem is not None:
        yield Finding(where, problem[0], problem[1])


def _getter(label: str) -> tuple[Getter | None, str]:
    match = STAGE_PREFIX.match(label)
    if match and match[2] in NUMBERS:  # "SFT Learning Rate" reads only the sft section
        stage, rest = match[1], match[2]
        if rest == "batch size":
            return _batch(stage), label
        key = {"learning rate": "learning_rate", "epochs": "num_train_epochs", "beta": "beta",
               "warmup": "warmup_ratio", "max length": "max_length"}.get(rest)
        return (_stage(key, stage) if key else NUMBERS[rest]), label
    return NUMBERS.get(label), label


Problem = tuple[str, str] | None


def _compare_number(text: str, targets: list[tuple[str, Any]], label: str) -> Problem:
    if is_stand_in(text):
        return f"'{text}' is a placeholder", "state the value config/training.yaml holds"
    stated = first_number(text)
    if stated is None:
        return None  # prose, not a number: nothing to compare
    present = [(key, value) for key, value in targets if value is not None]
    if not present:
        return f"states {label} {stated:g} but config/training.yaml has no such setting", "remove it or add it"
    if any(_same(stated, float(value)) for _key, value in present):
        return None
    held = ", ".join(f"{key}: {value}" for key, value in present)
    return f"states {label} {text.split('|')[0].strip()} but config/training.yaml has {held}", \
        "change one so they agree (config/training.yaml is the source the pipeline runs)"


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _model(text: str, config: Training) -> Problem:
    if is_stand_in(text):
        return f"'{text}' is a placeholder", f"write {config.base_model}"
    word = text.replace("`", " ").split()[0] if text.strip() else ""
    if same_model(word, config.base_model):
        return None
    return f"states model {word} but config/training.yaml has base_model: {config.base_model}", \
        "make them agree (and model-choice.md)"


def _method(text: str, config: Training) -> Problem:
    word = re.sub(r"[^a-z]", "", text.split()[0].lower()) if text.strip() else ""
    if word == config.peft.method:
        return None
    return f"states method {text.strip()} but config/training.yaml has peft.method: {config.peft.method}", \
        "make them agree"


def _approach(text: str, config: Training) -> Problem:
    word = re.sub(r"[^a-z+]", "", text.split()[0].lower()) if text.strip() else ""
    stated = {"combined": "sft+dpo", "sft+dpo": "sft+dpo", "sft": "sft", "dpo": "dpo"}.get(word)
    if stated is None or stated == config.approach:
        return None
    return f"states approach {text.strip()} but config/training.yaml has approach: {config.approach}", \
        "make them agree"


def _modules(text: str, config: Training) -> Problem:
    held = config.peft.target_modules
    stated = set(re.findall(r"[A-Za-z_][\w.-]*", text.replace("`", " ")))
    wanted = {held} if isinstance(held, str) else set(held or [])
    if stated == wanted:
        return None
    return f"states target modules {', '.join(sorted(stated))} but config/training.yaml has " \
        f"{', '.join(sorted(wanted)) or 'none'}", "make them agree"


TEXTS: dict[str, Callable[[str, Training], Problem]] = {
    "model": _model, "base model": _model, "method": _method, "peft method": _method,
    "primary": _approach, "approach": _approach, "training approach": _approach,
    "target modules": _modules,
}
