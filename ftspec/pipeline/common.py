"""What every stage shares: the resolved spec (with overrides), gate checks, JSONL checkpoints, atomic writes."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from ftspec.errors import FtspecError, StageError, UsageError
from ftspec.loader import YamlDoc, load_mapping
from ftspec.models.base import validate
from ftspec.models.manifest import Manifest
from ftspec.models.training import Training
from ftspec.project import MANIFEST, Project

OVERRIDE_KEYS = ("manifest", "training")
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "WANDB_DISABLED": "true",
    "TOKENIZERS_PARALLELISM": "false",
}


class StageParser(argparse.ArgumentParser):
    """argparse that raises UsageError (exit 4, one line) instead of exiting 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}. see `{self.prog} -h`")


def parser(stage: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every stage takes."""
    p = StageParser(prog=f"ftspec run {stage}", description=description)
    p.add_argument("--project", type=Path, default=Path("."), help="The ftspec project (holds ftspec.yaml).")
    p.add_argument("--overrides", type=Path, help="YAML with `manifest:` / `training:` keys merged over the spec.")
    p.add_argument("--data", type=Path, default=Path("data"), help="Folder of the pipeline's data files.")
    return p


@dataclass
class Spec:
    """The project with its manifest and training config as this run sees them (overrides applied)."""

    project: Project
    manifest: Manifest
    training_data: dict[str, Any] | None
    overrides: Path | None

    @property
    def training(self) -> Training:
        if self.training_data is None:
            raise StageError(f"{self.project.rel('training')}: missing. the train stage needs config/training.yaml")
        return Training.model_validate(self.training_data)


def load_spec(project_dir: Path, overrides: Path | None) -> Spec:
    """Read ftspec.yaml and config/training.yaml, merge the overrides, validate; nothing heavy is imported."""
    if not (project_dir / MANIFEST).is_file():
        raise StageError(f"{project_dir}: no {MANIFEST} here. pass --project DIR")
    project = Project(project_dir)
    over = _overrides(overrides)
    extra = {k: v for k, v in over.data.items() if isinstance(v, dict)} if over else {}
    manifest_doc = load_mapping(project.root / MANIFEST, MANIFEST)
    manifest = validate(Manifest, manifest_doc, merge(dict(manifest_doc.data), extra.get("manifest", {})))
    project._cache.pop("manifest", None)
    notices = replaced(manifest_doc, over, "manifest", str(project_dir / MANIFEST))
    training_data = None
    path = project.root / manifest.paths.training
    if path.is_file():
        doc = load_mapping(path, manifest.paths.training)
        training_data = merge(dict(doc.data), extra.get("training", {}))
        validate(Training, doc, training_data)
        notices += replaced(doc, over, "training", str(project_dir / manifest.paths.training))
    if notices:
        print(f"ftspec: notice: {overrides} replaces {len(notices)} spec values (to change one, set it in "
              f"{overrides}):")
        print("\n".join(f"  {line}" for line in notices))
    return Spec(project, manifest, training_data, overrides)


def _overrides(path: Path | None) -> YamlDoc | None:
    if path is None:
        return None
    doc = load_mapping(path, str(path))
    unknown = sorted(set(doc.data) - set(OVERRIDE_KEYS))
    if unknown:
        raise StageError(f"{path}: unknown top-level keys {unknown}. use only {list(OVERRIDE_KEYS)}")
    return doc


def replaced(spec: YamlDoc, over: YamlDoc | None, section: str, spec_path: str) -> list[str]:
    """One line per value the overrides' ``section`` puts in place of a different value of ``spec``, naming both
    places: an override wins silently otherwise, and a change to the spec's value (`dvc exp run -S`) would be lost
    unseen. A key the spec lacks replaces nothing; an equal value changes nothing."""
    if over is None or not isinstance(over.data.get(section), dict):
        return []
    out: list[str] = []

    def walk(base: Any, extra: dict[str, Any], keypath: tuple[str, ...]) -> None:
        for key, value in extra.items():
            if not isinstance(base, dict) or key not in base:
                continue
            here = (*keypath, key)
            if isinstance(value, dict) and isinstance(base[key], dict):
                walk(base[key], value, here)
            elif value != base[key]:
                mine, theirs = over.locate([section, *here]), spec.locate(list(here))
                out.append(f"{mine.path}:{mine.line}: {mine.keypath}: {_short(value)} replaces {_short(base[key])} "
                           f"of {spec_path}:{theirs.line}")

    walk(spec.data, over.data[section], ())
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` over ``base``; a mapping merges, anything else (null included) replaces."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(dict(out[key]), value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def require_gates(spec: Spec, stage: str, prefixes: tuple[str, ...]) -> None:
    """Refuse to start when any gate this stage depends on fails; name the failing gates."""
    from ftspec.gates.registry import all_gates
    from ftspec.gates.runner import run_gate

    failed = [
        g.id
        for g in all_gates().values()
        if g.id.startswith(prefixes) and run_gate(g, spec.project).outcome == "failed"
    ]
    if failed:
        raise StageError(
            f"{spec.project.root}: stage '{stage}' refused: gates failed: {', '.join(failed)}. "
            f"run `ftspec check {spec.project.root}` for the findings"
        )


def run_main(func: Any, argv: list[str] | None) -> int:
    """Run a stage's body; errors print one line and exit like the CLI does."""
    import sys

    try:
        return int(func(argv))
    except FtspecError as exc:
        print(f"ftspec: {exc}", file=sys.stderr)
        return int(exc.exit_code)


# -- files ------------------------------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every complete record of a JSONL file (a torn last line from a crash is ignored).

    Lines end at "\\n" only: a text may hold U+2028, U+0085 or a form feed unescaped (json.dumps with
    ensure_ascii=False writes them as they are), and str.splitlines would cut its record there. A complete line
    that is not a JSON object of UTF-8 text is a `path:line` error: it was not left by a crash, so something else
    wrote it, and guessing past it would lose or duplicate a record.
    """
    if not path.is_file():
        raise StageError(f"{path}: missing. run the stage that writes it first")
    *complete, _torn = path.read_bytes().split(b"\n")
    return [_record(path, number, line) for number, line in enumerate(complete, 1) if line.strip()]


def _record(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    from ftspec.data.batches import lone_surrogate

    try:
        row = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    except ValueError as exc:
        problem = f"is not valid JSON ({getattr(exc, 'msg', exc)})"
    else:
        half = lone_surrogate(row) if b"\\u" in raw else None
        if isinstance(row, dict) and half is None:
            return row
        problem = f"is a JSON {type(row).__name__}, not an object" if half is None else \
            f"holds half a UTF-16 surrogate pair ({half}), which is no character"
    raise StageError(
        f"{path}:{number}: the line {problem}. delete that line (a stage's checkpoint redoes the record on its "
        "next run) or rerun the stage that writes this file"
    )


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader sees the old file or the new one, never half of one."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able inputs."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def judging_fingerprint(rubric: Any, judges: list[Any]) -> str:
    """What an assessment was judged with: the rubric and the judges' content settings (not their transport
    settings). assess stamps each record with fingerprint(this, transcript); eval.assessment-freshness checks it."""
    from ftspec.backends import content_settings

    return fingerprint(rubric.model_dump(), [content_settings(c) for c in judges])


class Checkpoint:
    """Append-only JSONL, one fsync per record; on resume the ids already written are skipped.

    Each record carries the fingerprint of the inputs it was made from; records whose inputs changed since (a new
    prompt, another judge, a regenerated transcript) are not served. Nothing is removed from the file until the
    first new record is ready: then stale records and a torn last line go in one atomic rewrite, so a run that
    fails before producing anything (an unreachable server) leaves the file as it found it. An exclusive lock
    beside the file refuses a second run on the same file while the first is alive.
    """

    def __init__(self, path: Path, expected: Callable[[str], str] | None = None) -> None:
        self.path = path
        self.expected = expected
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(path)
        rows = read_jsonl(path) if path.exists() else []
        for number, row in enumerate(rows, 1):
            if "id" not in row:
                raise StageError(f"{path}: record {number} has no `id`. this is not a checkpoint: move the file away")
        kept = [r for r in rows if expected is None or r.get("fingerprint") == expected(r["id"])]
        torn = path.exists() and path.stat().st_size > 0 and not _ends_with_newline(path)
        self._rewrite = len(kept) != len(rows) or torn
        self.done = {r["id"]: r for r in kept}
        self._written = 0
        self._fault_after = int(os.environ.get("FTSPEC_FAULT_AFTER", "0"))  # test hook: SIGKILL after N appends

    def append(self, record: dict[str, Any]) -> None:
        if self.expected is not None:
            record = {**record, "fingerprint": self.expected(record["id"])}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        if self._rewrite:  # the first new record: drop stale records and a torn tail in the same atomic step
            kept = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.done.values())
            _write_synced(self.path, kept + line)
            self._rewrite = False
        else:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        self.done[record["id"]] = record
        self._written += 1
        if self._fault_after and self._written >= self._fault_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def records(self, order: list[str]) -> Iterator[dict[str, Any]]:
        """The records in plan order."""
        return (self.done[i] for i in order if i in self.done)

    def close(self) -> None:
        """Release the lock (it is released at exit anyway)."""
        self._lock.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        # Released here, not when the object is collected: a failed stage's traceback keeps it alive, and a
        # rerun in the same process (a notebook, a test) would find its own stale lock.
        self.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _write_synced(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _lock(path: Path) -> IO[bytes]:
    """Hold an exclusive lock on `.NAME.lock` beside ``path`` for as long as the returned handle is open."""
    lock_path = path.with_name(f".{path.name}.lock")
    handle = lock_path.open("a+b")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one run at a time is then the user's to ensure
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StageError(
            f"{path}: another run is writing this file (it holds {lock_path.name}). wait for that run to finish "
            "or stop it, then rerun"
        ) from None
    return handle


def offline_env() -> None:
    """No hub access and no telemetry unless the user set these variables themselves."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def load_causal_lm(path: str, adapter: str | None = None) -> tuple[Any, Any]:
    """A causal LM and its tokenizer from a local path, with an optional PEFT adapter, in eval mode."""
    offline_env()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    return model, tokenizer
