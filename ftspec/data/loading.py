"""Read a dataset row by row with the line of each row, in bounded memory.

JSONL is streamed by us, one line at a time, so a finding names the real line and a 1 GB file never sits in
memory. Parquet, CSV and directories written by ``Dataset.save_to_disk`` go through ``datasets`` (imported
only here, only when such a file is read); their "line" is the row number + 1 (+ 1 more for CSV's header).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftspec.errors import Location, SpecError

JSONL = (".jsonl", ".json", ".ndjson")
TABLES = {".parquet": "parquet", ".csv": "csv"}


class DataError(SpecError):
    """A data file is unreadable or malformed at a known line."""

    def __init__(self, rel: str, line: int, message: str, fix: str = "") -> None:
        super().__init__(Location(rel, line), message, fix)


def data_kind(path: Path) -> str:
    """jsonl | parquet | csv | saved (a save_to_disk directory); DataError for anything else."""
    if path.is_dir():
        return "saved"
    suffix = path.suffix.lower()
    if suffix in JSONL:
        return "jsonl"
    if suffix in TABLES:
        return TABLES[suffix]
    raise DataError(
        str(path),
        0,
        f"unsupported data format '{suffix or path.name}'",
        "use JSONL, Parquet, CSV or a directory written by Dataset.save_to_disk",
    )


def iter_rows(
    path: Path, rel: str, errors: list[Any] | None = None, max_bytes: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) for every example of a dataset file; malformed JSONL lines raise DataError, or are
    collected into ``errors`` when a list is given. A JSONL line over ``max_bytes`` is one such error, read
    past in bounded memory rather than parsed."""
    kind = data_kind(path)
    if kind == "jsonl":
        yield from _jsonl_rows(path, rel, errors, max_bytes)
    else:
        yield from _table_rows(path, rel, kind)


def _jsonl_rows(
    path: Path, rel: str, errors: list[Any] | None, max_bytes: int | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    from ftspec.data.batches import parse_lines
    from ftspec.data.ranges import LINE_BUFFER

    with path.open("rb", buffering=LINE_BUFFER) as handle:
        lines = (line.rstrip(b"\n") for line in handle) if max_bytes is None else bounded_lines(
            handle, rel, max_bytes, errors
        )
        yield from parse_lines(rel, 1, lines, errors)


def bounded_lines(handle: Any, rel: str, max_bytes: int, errors: list[Any] | None) -> Iterator[bytes]:
    """The lines of a binary file; a line longer than max_bytes is skipped (an empty line in its place keeps
    the numbering) and reported as a DataError without ever holding more than max_bytes of it."""
    number = 0
    while line := handle.readline(max_bytes + 1):
        number += 1
        if len(line) <= max_bytes or line.endswith(b"\n") and len(line) == max_bytes + 1:
            yield line.rstrip(b"\n")
            continue
        size = len(line)
        while not line.endswith(b"\n") and (line := handle.readline(1 << 20)):
            size += len(line)
        error = DataError(
            rel, number, f"record is {size:,} bytes, over the {max_bytes:,}-byte limit (not read)",
            "split it into smaller examples (or raise data.format max_record_bytes in ftspec.yaml)",
        )
        if errors is None:
            raise error
        errors.append(error)
        yield b""


def _table_rows(path: Path, rel: str, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    dataset = _load_table(path, rel, kind)
    shift = 2 if kind == "csv" else 1  # CSV: the header is line 1
    for index, row in enumerate(dataset):
        yield index + shift, dict(row)


def _load_table(path: Path, rel: str, kind: str) -> Any:
    import datasets

    datasets.disable_progress_bars()
    try:
        if kind == "saved":
            loaded = datasets.load_from_disk(str(path))
            if isinstance(loaded, datasets.DatasetDict):
                loaded = loaded[next(iter(loaded))]
            return loaded
        return datasets.load_dataset(kind, data_files=str(path), split="train")
    except Exception as exc:  # noqa: BLE001 - datasets raises many types; each is a bad input file here
        raise DataError(
            rel,
            0,
            f"cannot read {kind} data: {type(exc).__name__}: {exc}",
            "check that the file is valid and complete",
        ) from None
