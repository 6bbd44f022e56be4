"""`ftspec contamination TRAIN EVAL`: exact copies and n-gram overlap between a training set and an eval set.

What is compared is the project's `data.contamination` (ftspec.yaml of the project the train file lies in, or
the defaults), as the data.contamination gate and the split stage compare it; --ngram and --roles override.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftspec.data.comparison import Comparison
from ftspec.errors import ExitCode, UsageError
from ftspec.report.model import JSON_SCHEMA_VERSION


def contamination(
    train: Path,
    eval_: Path,
    ngram: int | None = None,
    fmt: str = "text",
    rubric: Path | None = None,
    workers: int | None = None,
    roles: str | None = None,
    progress: bool = False,
) -> int:
    """Print each training record equal to or overlapping EVAL (or the rubric's calibration examples), exact
    copies first; 1 if any does. With ``progress``, each step is announced on stderr (a large train file takes a
    while)."""
    import dataclasses

    from ftspec.blas import one_blas_thread
    from ftspec.data.batches import record_batches
    from ftspec.data.comparison import parse_roles
    from ftspec.data.contamination import check, file_batches

    _check(train, eval_, ngram, rubric)
    for path in (train, eval_):
        _comparable(path)
    comparison = _project_comparison(train)
    comparison = dataclasses.replace(
        comparison,
        ngram=ngram or comparison.ngram,
        roles=_roles(parse_roles(roles, comparison.roles)),
    )
    started = time.perf_counter()
    step = _progress(started) if progress else _quiet
    with one_blas_thread():
        step(f"reading {_sized(eval_)}")
        references = [*file_batches(eval_, str(eval_))]
        if rubric is not None:
            references += record_batches(_calibration(rubric))
        step(f"indexing {comparison.ngram}-grams and scanning {_sized(train)}")
        report = check([(train, str(train))], references, comparison, workers)
    step("done")
    seconds = time.perf_counter() - started
    print(_json(train, eval_, comparison, report) if fmt == "json" else _text(report, comparison, seconds))
    return int(ExitCode.TESTS_FAILED if report.records else ExitCode.OK)


def _sized(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    return f"{path} ({size / 1e6:.1f} MB)" if size >= 1e5 else str(path)


def _quiet(message: str) -> None:
    return None


def _progress(started: float) -> Callable[[str], None]:
    def step(message: str) -> None:
        print(f"ftspec contamination: {message} [{time.perf_counter() - started:.1f}s]", file=sys.stderr, flush=True)

    return step


def _check(train: Path, eval_: Path, ngram: int | None, rubric: Path | None) -> None:
    for path in (train, eval_, *([rubric] if rubric else [])):
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory. check the path")
    if ngram is not None and ngram < 1:
        raise UsageError(f"--ngram {ngram}: must be at least 1. 13 is the usual choice")


SAMPLED = 50  # records looked at for text the check can compare


def _comparable(path: Path) -> None:
    """UsageError when the first records of a data file hold no text the check compares (a format it does not
    read): the scan would find nothing in them and report no contamination."""
    import itertools

    from ftspec.data.loading import iter_rows
    from ftspec.data.records import record_segments

    rows = list(itertools.islice(iter_rows(path, str(path), errors=[], max_bytes=64 << 20), SAMPLED))
    if not rows or any(text.strip() for _, row in rows for _, text in record_segments(row)):
        return
    keys = sorted({str(k) for _, row in rows for k in row})[:8]
    raise UsageError(
        f"{path}: no text to compare in its first {len(rows)} record{'s' if len(rows) > 1 else ''} (keys: "
        f"{', '.join(keys) or 'none'}). "
        "write each as messages (role, content), prompt/completion, prompt/chosen/rejected or text"
    )


def _roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    from ftspec.data.records import ROLES

    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise UsageError(f"--roles {','.join(roles)}: use some of {', '.join(ROLES)}, comma-separated")
    return roles


def _project_comparison(train: Path) -> Comparison:
    """data.contamination of the project the train file belongs to (the defaults outside a project)."""
    from ftspec.errors import ProjectNotFound
    from ftspec.loader import load_mapping
    from ftspec.models.base import validate
    from ftspec.models.manifest import Manifest
    from ftspec.paths import MANIFEST, find_root

    try:
        root = find_root(train.parent)
    except ProjectNotFound:
        return Comparison()
    return Comparison.of(validate(Manifest, load_mapping(root / MANIFEST, MANIFEST)))


def _calibration(path: Path) -> Any:
    from ftspec.data.calibration import calibration_records
    from ftspec.loader import load_mapping
    from ftspec.models.base import validate
    from ftspec.models.rubric import Rubric

    doc = load_mapping(path, str(path))
    return calibration_records(validate(Rubric, doc), doc, str(path))


def _text(report: Any, comparison: Comparison, seconds: float) -> str:
    lines = []
    for title, flagged, total in (
        ("exact copies", report.exact, report.exact_records),
        ("overlapping records", report.overlap, report.overlap_records),
    ):
        if total:
            lines.append(f"{title}:")
            lines += [_line(f) for f in flagged]
            if total > len(flagged):
                lines.append(f"  ... {total - len(flagged):,} more {title} not shown (--format json counts them)")
    lines += [f"left out: {what}" for what in report.left_out]
    verdict = report.summary() if report.records else "no contamination"
    lines.append(
        f"{verdict}; {comparison.ngram}-gram overlap against {report.references:,} references in {seconds:.2f}s"
    )
    return "\n".join(lines)


def _line(flagged: Any) -> str:
    hit = flagged.hits[0]
    what = "equals" if hit.kind == "exact" else "shares"
    more = f" (and {flagged.others - 1:,} more references)" if flagged.others > 1 else ""
    return f"{hit.train.path}:{hit.train.line}: {what} {hit.other.path}:{hit.other.line}: {hit.overlap!r}{more}"


def _json(train: Path, eval_: Path, comparison: Comparison, report: Any) -> str:
    hits = [
        {
            "kind": h.kind,
            "train": {"path": h.train.path, "line": h.train.line},
            "other": {"path": h.other.path, "line": h.other.line},
            "overlap": h.overlap,
        }
        for f in [*report.exact, *report.overlap]
        for h in f.hits
    ]
    return json.dumps(
        {
            "schema_version": JSON_SCHEMA_VERSION,
            "train": str(train),
            "eval": str(eval_),
            "ngram": comparison.ngram,
            "roles": list(comparison.roles),
            "contaminated": bool(report.records),
            "summary": report.summary(),
            "exact_copies": report.exact_records,
            "overlapping_records": report.overlap_records,
            "pairs": report.hits,
            "left_out": report.left_out,
            "hits": hits,
        },
        indent=2,
    )
