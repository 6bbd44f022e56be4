"""`ftspec contamination TRAIN EVAL`: exact and n-gram overlap between a training set and an eval set."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec.errors import ExitCode, UsageError
from ftspec.report.model import JSON_SCHEMA_VERSION


def contamination(
    train: Path,
    eval_: Path,
    ngram: int = 13,
    fmt: str = "text",
    rubric: Path | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> int:
    """Print each training record overlapping EVAL (or the rubric's calibration examples); 1 if any does.
    With ``progress``, each step is announced on stderr (a large train file takes a while)."""
    _check(train, eval_, ngram, rubric)
    from ftspec.data.batches import record_batches
    from ftspec.data.contamination import ContaminationIndex, file_batches, scan_file

    started = time.perf_counter()
    step = _progress(started) if progress else _quiet
    step(f"indexing {ngram}-grams of {_sized(eval_)}")
    references = [*file_batches(eval_, str(eval_))]
    if rubric is not None:
        references += record_batches(_calibration(rubric))
    index = ContaminationIndex.from_batches(references, n=ngram)
    step(f"scanning {_sized(train)} against {len(index)} references")
    hits = list(scan_file(index, train, str(train), workers))
    step("done")
    seconds = time.perf_counter() - started
    print(_json(train, eval_, ngram, hits) if fmt == "json" else _text(hits, ngram, len(index), seconds))
    return int(ExitCode.TESTS_FAILED if hits else ExitCode.OK)


def _sized(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    return f"{path} ({size / 1e6:.1f} MB)" if size >= 1e5 else str(path)


def _quiet(message: str) -> None:
    return None


def _progress(started: float) -> Callable[[str], None]:
    def step(message: str) -> None:
        print(f"ftspec contamination: {message} [{time.perf_counter() - started:.1f}s]", file=sys.stderr, flush=True)

    return step


def _check(train: Path, eval_: Path, ngram: int, rubric: Path | None) -> None:
    for path in (train, eval_, *([rubric] if rubric else [])):
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory. check the path")
    if ngram < 1:
        raise UsageError(f"--ngram {ngram}: must be at least 1. 13 is the usual choice")


def _calibration(path: Path) -> Any:
    from ftspec.data.calibration import calibration_records
    from ftspec.loader import load_mapping
    from ftspec.models.base import validate
    from ftspec.models.rubric import Rubric

    doc = load_mapping(path, str(path))
    return calibration_records(validate(Rubric, doc), doc, str(path))


def _text(hits: list[Any], ngram: int, references: int, seconds: float) -> str:
    lines = [
        f"{h.train.path}:{h.train.line}: {'equals' if h.kind == 'exact' else 'shares'} "
        f"{h.other.path}:{h.other.line}: {h.overlap!r}"
        for h in hits
    ]
    rows = len({(h.train.path, h.train.line) for h in hits})
    verdict = f"{rows} contaminated training records ({len(hits)} hits)" if hits else "no contamination"
    lines.append(f"{verdict}; {ngram}-gram overlap against {references} references in {seconds:.2f}s")
    return "\n".join(lines)


def _json(train: Path, eval_: Path, ngram: int, hits: list[Any]) -> str:
    rows = [
        {
            "kind": h.kind,
            "train": {"path": h.train.path, "line": h.train.line},
            "other": {"path": h.other.path, "line": h.other.line},
            "overlap": h.overlap,
        }
        for h in hits
    ]
    return json.dumps(
        {"schema_version": JSON_SCHEMA_VERSION, "train": str(train), "eval": str(eval_), "ngram": ngram,
         "contaminated": bool(hits), "hits": rows},
        indent=2,
    )
