"""`ftspec init --adopt`: recognise the artifacts of an existing repository and write only what is missing.

An adopted project keeps its files where they are: the manifest's `paths:` point at what was recognised (by
file name and by shape: a taxonomy YAML with weighted topics, a rubric YAML with criteria, ...); artifacts that
were not found are written from the blank template at their default paths, never over an existing file; and the
report says what is left to fill in, naming the files (a rubric kept in Python, a training script) to restate.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftspec.errors import UsageError
from ftspec.models.manifest import Paths
from ftspec.project import MANIFEST

# Folders no project keeps its spec in: caches, environments, vendored code, generated output.
PRUNE = {".git", ".ftspec", ".venv", "venv", "env", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache",
         ".ruff_cache", ".tox", ".dvc", "site-packages", "wandb", "mlruns", "outputs", "checkpoints", "dist", "build"}
MAX_FILES = 5000
MAX_BYTES = 1 << 20  # larger files are data, not spec: not parsed for their shape


@dataclass
class Scan:
    """What the walk found: each recognised artifact's path and the files worth naming in the report."""

    found: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rubric_restatements: list[str] = field(default_factory=list)


def _walk(root: Path) -> Iterator[Path]:
    """Project files, shallowest first, pruning caches and environments; at most MAX_FILES."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in PRUNE and not d.startswith("."))
        for name in sorted(filenames):
            count += 1
            if count > MAX_FILES:
                return
            yield Path(dirpath) / name


def _yaml(path: Path) -> Any:
    if path.suffix not in (".yaml", ".yml") or path.stat().st_size > MAX_BYTES:
        return None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError, ValueError):
        return None


def _is_taxonomy(data: Any) -> bool:
    tax = data.get("taxonomy") if isinstance(data, dict) else None
    topics = tax.get("topics") if isinstance(tax, dict) else None
    return isinstance(topics, list) and any(isinstance(t, dict) and "weight" in t for t in topics)


def _is_rubric(data: Any) -> bool:
    return isinstance(data, dict) and "criteria" in data and ("categories" in data or "safety_gates" in data)


def _is_personas(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("persona_template"), dict)


def _is_training(data: Any) -> bool:
    return isinstance(data, dict) and "base_model" in data and ("peft" in data or "approach" in data)


def _is_sidecar(data: Any) -> bool:
    return isinstance(data, dict) and "stepsCompleted" in data


YAML_SHAPES: dict[str, Callable[[Any], bool]] = {
    "taxonomy": _is_taxonomy, "rubric": _is_rubric, "personas": _is_personas, "training": _is_training,
    "sidecar": _is_sidecar,
}

# Markdown artifacts, recognised by name (the stem, lower case, with - and _ and spaces alike).
MD_NAMES: dict[str, re.Pattern[str]] = {
    "model_choice": re.compile(r"^model[ _-]?choice"),
    "base_eval": re.compile(r"^base[ _-]?model[ _-]?eval|^base[ _-]?eval"),
    "decision_log": re.compile(r"^decision[ _-]?log$|^decisions$"),
    "system_prompt": re.compile(r"^system([ _-]?prompt)?$"),
    "user_sim_prompt": re.compile(r"^user[ _-]?sim(ulator)?([ _-]?prompt)?$"),
    "assistant_prompt": re.compile(r"^assistant([ _-]?prompt)?$"),
    "training_spec": re.compile(r"^training[ _-]?spec$"),
}
PROMPT_ONLY = {"system_prompt", "user_sim_prompt", "assistant_prompt"}  # these must sit under a prompts folder
TRAIN_SCRIPT = re.compile(r"\b(from|import)\s+(trl|peft|transformers)\b")
TRANSCRIPT_SUFFIXES = (".jsonl", ".json", ".parquet")


# A YAML file named like an artifact but not of its shape: taken for it all the same (its schema gate then says
# what differs), except a training config, which is usually another tool's (axolotl, a trainer's own YAML).
NAMED = {"taxonomy": "taxonomy", "rubric": "rubric", "personas": "persona"}


def scan(root: Path) -> Scan:
    """Recognise each artifact (the shallowest fitting file wins) and note the files ftspec cannot read as such."""
    result = Scan()
    transcripts: list[str] = []
    by_name: dict[str, str] = {}
    for path in _walk(root):
        rel = path.relative_to(root).as_posix()
        stem = path.stem.lower()
        data = _yaml(path)
        for name, fits in YAML_SHAPES.items():
            if data is not None and name not in result.found and fits(data):
                result.found[name] = rel
        for name, word in NAMED.items():
            if isinstance(data, dict) and word in stem:
                by_name.setdefault(name, rel)
        if isinstance(data, dict) and "train" in stem and not _is_training(data):
            result.notes.append(f"training configuration of another shape: {rel} -- restate it in the training "
                                "config (keys named as peft, transformers and trl name them)")
        if path.suffix == ".md":
            _markdown(result, rel, stem)
        elif path.suffix == ".py":
            _python(result, path, rel, stem)
        elif path.suffix in TRANSCRIPT_SUFFIXES and re.search(r"transcript|conversation|train|eval", rel, re.I):
            transcripts.append(rel)
    for name, rel in by_name.items():
        if name not in result.found:
            result.found[name] = rel
            result.notes.append(f"{rel}: taken for the {name} by its name, not its shape -- its schema gate says "
                                "what differs")
    if transcripts:
        result.notes.append(f"transcripts/data: {', '.join(transcripts[:5])}{' ...' if len(transcripts) > 5 else ''}"
                            " -- declare the training sets under `data:` in the training config")
    return result


def _markdown(result: Scan, rel: str, stem: str) -> None:
    in_prompts = "prompt" in rel.lower().rsplit("/", 1)[0] or stem.endswith("prompt")
    for name, pattern in MD_NAMES.items():
        if name in result.found or not pattern.search(stem):
            continue
        if name in PROMPT_ONLY and not in_prompts:
            continue
        result.found[name] = rel
        return
    if "rubric" in stem:
        result.rubric_restatements.append(rel)
        result.notes.append(f"rubric in Markdown: {rel} -- the rubric must be YAML; restate it in the rubric file "
                            "(gate rubric.drift then keeps this Markdown in step with it)")


def _python(result: Scan, path: Path, rel: str, stem: str) -> None:
    if "rubric" in stem:
        result.notes.append(f"rubric in Python: {rel} -- the rubric must be YAML; restate its criteria in the "
                            "rubric file")
        return
    if path.stat().st_size <= MAX_BYTES and "train" in stem:
        text = path.read_text(encoding="utf-8", errors="replace")
        if TRAIN_SCRIPT.search(text):
            result.notes.append(f"training script: {rel} -- restate its base model, LoRA and trainer settings in "
                                "the training config (keys named as peft, transformers and trl name them)")


def manifest_text(project: str, found: dict[str, str], restatements: list[str] | None = None) -> str:
    """The adopted project's ftspec.yaml: its name and a `paths:` entry per recognised artifact."""
    lines = [
        "# yaml-language-server: $schema=.ftspec/schema/manifest.json",
        "# ftspec manifest, written by `ftspec init --adopt`: paths point at the files found in this repository;",
        "# the others are written from the blank template at their default paths. Run `ftspec check` and follow it.",
        f"project: {project}",
        "architecture: fine-tuning        # fine-tuning | hybrid | rag-only",
        "paths:",
    ]
    defaults = Paths()
    for name in Paths.model_fields:
        if name in found:
            lines.append(f"  {name}: {_quote(found[name])}")
        elif name != "gates":
            lines.append(f"  {name}: {_quote(getattr(defaults, name))}   # default path: nothing like it was found")
    if restatements:
        lines += ["gates:", f"  rubric.drift: {{restatements: [{', '.join(_quote(r) for r in restatements)}]}}"]
    else:
        lines.append("gates: {}")
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return value if re.fullmatch(r"[\w./-]+", value) else '"' + value.replace('"', '\\"') + '"'


def project_name(directory: Path) -> str:
    """A kebab-case name from the directory's name."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.resolve().name.lower()).strip("-")
    return name or "project"


def write_new(root: Path, rel: str, data: bytes) -> bool:
    """Write ``rel`` under ``root`` only if nothing is there; never through a symlink (a file or a folder)."""
    target = root / rel
    _refuse_symlinked_parents(root, target)
    if target.exists() or target.is_symlink():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


def _refuse_symlinked_parents(root: Path, target: Path) -> None:
    here = root
    for part in target.relative_to(root).parts[:-1]:
        here = here / part
        if here.is_symlink():
            raise UsageError(f"{here} is a symbolic link. nothing was written there; init writes only inside the "
                             "project, replace the link with a folder")


def adopt(directory: Path, template: str = "blank") -> int:
    """Adopt the existing repository at ``directory``: ftspec.yaml, schemas and missing artifacts; report the rest."""
    from ftspec.artifacts import ARTIFACTS
    from ftspec.commands.schema import write_schemas
    from ftspec.templates import template_dir

    if not directory.is_dir():
        raise UsageError(f"{directory}: no such directory. give the path of the repository to adopt")
    root = directory.resolve()
    found = scan(root)
    manifest = root / MANIFEST
    if write_new(root, MANIFEST, manifest_text(project_name(root), found.found, found.rubric_restatements).encode()):
        print(f"wrote {MANIFEST} with paths for {len(found.found)} artifacts found: "
              + (", ".join(f"{k}={v}" for k, v in found.found.items()) or "none"))
    else:
        print(f"{MANIFEST} exists: kept as it is (its `paths:` decide which files are checked)")
    paths = manifest_paths(manifest)
    source = template_dir(template)
    written: list[str] = []
    todo: list[str] = []
    for spec in ARTIFACTS.values():
        rel = paths.get(spec.path_field) or str(getattr(Paths(), spec.path_field))
        if (root / rel).exists():
            continue
        template_file = source / str(getattr(Paths(), spec.path_field))
        if template_file.is_file() and write_new(root, rel, template_file.read_bytes()):
            written.append(rel)
        elif spec.required(_lenient_manifest()):
            todo.append(f"{rel} ({spec.description})")
    schema_dir = root / ".ftspec" / "schema"
    _refuse_symlinked_parents(root, schema_dir / "x")
    if not schema_dir.exists():
        write_schemas(schema_dir, root=root)
    _report(written, todo, found.notes)
    return 0


def _lenient_manifest() -> Any:
    from ftspec.models.manifest import Manifest

    return Manifest.model_validate({"project": "adopted"})


def manifest_paths(manifest: Path) -> dict[str, str]:
    """The `paths:` of an existing manifest, read leniently (its schema gate reports what is wrong with it)."""
    data = _yaml(manifest)
    paths = data.get("paths") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in paths.items()} if isinstance(paths, dict) else {}


def _report(written: list[str], todo: list[str], notes: list[str]) -> None:
    if written:
        print(f"wrote {len(written)} files from the template (fill in their TODO values): {', '.join(written)}")
    if todo:
        print(f"not found and no template: {', '.join(todo)}")
    for note in notes:
        print(f"found {note}")
    print("next: ftspec check -- each finding names the file, the line and what to do")
