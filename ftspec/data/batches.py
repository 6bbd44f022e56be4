"""Stream a dataset as batches of texts (an Arrow string array) with the line of each, in bounded memory.

JSONL is read by us, in chunks of whole lines, and parsed by Arrow's C++ JSON reader when the chunk has one of
the known shapes (``messages``; ``prompt``/``completion``/``chosen``/``rejected``/``text`` strings). Any chunk
Arrow cannot take (conversational prompts, odd types, blank lines, bad JSON) is parsed line by line with
:mod:`json` instead, so the result is the same, only slower. Other formats go through ``datasets`` (see
loading.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftspec.data.records import ROLES, Record, record_segments

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

CHUNK_BYTES = 2 << 20
FIELDS = ("prompt", "completion", "chosen", "rejected", "text")
# A \uD800-\uDFFF escape: JSON lets one half of a UTF-16 pair be written alone, but it is no character (UTF-8
# cannot hold it, nor can a tokenizer). This finds every line that may hold one (0.04 CPU-s over 90 MB of
# escape-rich chat); whole pairs (emoji written as \ud83d\ude00) and an escaped backslash before "ud800"
# match too, and are told apart exactly on the parsed row.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
WRITE_WHOLE = "write the whole character (both halves of its \\uD8xx\\uDCxx pair, or the character) or drop it"


@dataclass
class Batch:
    """Consecutive records of one file: their lines, and their texts as segments (one per message or field).

    Record ``r`` is ``texts[segments[r]:segments[r+1]]`` joined with newlines; n-grams may span the segments
    of one record, never two records. ``roles`` is each segment's index in ROLES (-1: no role, or another);
    ``keep`` marks the segments compared (set by the contamination engine: roles and shared text left out).
    """

    path: str
    lines: np.ndarray
    texts: pa.Array
    segments: np.ndarray
    roles: np.ndarray | None = None
    keep: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, row: int) -> str:
        lo, hi = int(self.segments[row]), int(self.segments[row + 1])
        texts = self.texts[lo:hi].to_pylist()
        kept = [True] * len(texts) if self.keep is None else self.keep[lo:hi].tolist()
        return "\n".join(t for t, k in zip(texts, kept, strict=True) if t and k)

    def record(self, row: int) -> Record:
        return Record(self.path, int(self.lines[row]), self.text(row))


def simple_batch(path: str, lines: Any, texts: list[str]) -> Batch:
    """A batch of one text per record."""
    import numpy as np

    return Batch(path, np.asarray(lines, dtype=np.int64), string_array(texts), np.arange(len(texts) + 1))


def segment_batch(path: str, lines: list[int], records: list[list[tuple[str | None, str]]]) -> Batch:
    """A batch of records given as (role, text) segments."""
    import numpy as np

    codes = {role: i for i, role in enumerate(ROLES)}
    texts = [text for parts in records for _, text in parts]
    roles = np.array([codes.get(role, -1) if role else -1 for parts in records for role, _ in parts], np.int8)
    segments = np.zeros(len(records) + 1, np.int64)
    np.cumsum([len(parts) for parts in records], out=segments[1:])
    return Batch(path, np.asarray(lines, dtype=np.int64), string_array(texts), segments, roles)


def string_array(texts: list[str]) -> pa.Array:
    """An Arrow string array built from its buffers.

    pa.array() and pa.scalar() import pandas on first use (0.3-1 s) to check for pandas types; building from
    buffers keeps that import out of the check path and the scan.
    """
    import numpy as np
    import pyarrow as pa

    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.large_string(), len(encoded), [None, pa.py_buffer(offsets), data])


def record_batches(records: Iterable[Record], size: int = 8192) -> Iterator[Batch]:
    """Batches of in-memory records (each batch from one path keeps its records' lines)."""
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield from _split_paths(chunk)
            chunk = []
    if chunk:
        yield from _split_paths(chunk)


def _split_paths(chunk: list[Record]) -> Iterator[Batch]:
    start = 0
    for i in range(1, len(chunk) + 1):
        if i == len(chunk) or chunk[i].path != chunk[start].path:
            part = chunk[start:i]
            yield simple_batch(part[0].path, [r.line for r in part], [r.text for r in part])
            start = i


def jsonl_chunks(
    path: Path, size: int = CHUNK_BYTES, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, memoryview, int]]:
    """(first line number, bytes, newlines in them) of consecutive chunks of whole lines of ``path[start:end]``.

    ``start`` must be a line start; line numbers count from 1 at ``start``. The newline count is the caller's
    too (counting a chunk costs as much as a tenth of parsing it: once is enough).
    """
    line = 1
    with path.open("rb") as handle:
        handle.seek(start)
        position = start
        while end is None or position < end:
            block = handle.read(size if end is None else min(size, end - position))
            if not block:
                break
            cut = block.rfind(b"\n") + 1
            if not cut:  # a line longer than the chunk: read on to its end
                block += handle.readline()
                cut = len(block)
            elif cut < len(block):
                handle.seek(cut - len(block), 1)
            position += cut
            newlines = count_newlines(block, cut)
            yield line, memoryview(block)[:cut], newlines
            line += newlines


def count_newlines(block: bytes, end: int) -> int:
    """``block.count(b"\\n", 0, end)``, vectorised: bytes.count goes byte by byte for a one-byte pattern (5x
    slower)."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(block, np.uint8, count=end) == 10))


def jsonl_batches(
    path: Path, rel: str, size: int = CHUNK_BYTES, start: int = 0, end: int | None = None
) -> Generator[Batch, None, int]:
    """The texts of a JSONL file (or a range of it), chunk by chunk; a malformed line raises DataError.

    Returns (as the generator's value) the number of newlines read, which numbers the lines of the next range.
    """
    import numpy as np

    shape: str | None = None
    lines = 0
    for first, chunk, newlines in jsonl_chunks(path, size, start, end):
        lines += newlines
        if shape is None:
            shape = _shape(bytes(chunk[: 1 << 16]))
        parsed = _arrow_texts(chunk, shape)
        if parsed is not None and SURROGATE_ESCAPE.search(chunk) and not _valid_text(parsed[0]):
            parsed = None  # Arrow kept a lone surrogate as invalid UTF-8: the Python path reports its line
        # Arrow skips blank lines; when it returns fewer rows than lines, number the lines the slow way.
        rows = newlines + (bytes(chunk[-1:]) != b"\n")
        if parsed is not None and len(parsed[1]) - 1 == rows:
            yield Batch(rel, np.arange(first, first + rows), *parsed)
        else:
            yield _python_batch(rel, first, bytes(chunk))
    return lines


def _shape(head: bytes) -> str:
    """messages | fields, from the first object of the file."""
    for raw in head.split(b"\n", 64):
        try:
            row = json.loads(raw)
        except ValueError:
            continue
        if isinstance(row, dict):
            return "messages" if "messages" in row else "fields"
    return "fields"


def _arrow_texts(chunk: memoryview, shape: str) -> tuple[pa.Array, np.ndarray, np.ndarray | None] | None:
    """Arrow's parse of a chunk as (segment texts, segment offsets per line), or None when Arrow cannot."""
    import pyarrow as pa
    import pyarrow.json as pj

    if shape == "messages":
        message = pa.struct([("role", pa.string()), ("content", pa.string())])
        schema = pa.schema([("messages", pa.list_(message))])
    else:
        schema = pa.schema([(name, pa.string()) for name in FIELDS])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        # One thread: big files are scanned by several processes already; Arrow's pool would compete.
        table = pj.read_json(
            pa.BufferReader(pa.py_buffer(chunk)),
            parse_options=options,
            read_options=pj.ReadOptions(block_size=4 << 20, use_threads=False),
        )
        return _messages(table) if shape == "messages" else _fields(table)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _valid_text(texts: pa.Array) -> bool:
    import pyarrow as pa

    try:
        texts.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _messages(table: pa.Table) -> tuple[pa.Array, np.ndarray, np.ndarray] | None:
    import numpy as np
    import pyarrow.compute as pc

    messages = table.column("messages").combine_chunks()
    if messages.null_count:
        return None
    offsets = _offsets(messages)
    flat = pc.list_flatten(messages)
    contents = pc.struct_field(flat, "content")
    found = pc.index_in(pc.struct_field(flat, "role"), value_set=string_array(list(ROLES)))
    codes = np.frombuffer(found.buffers()[1], np.int32)[found.offset : found.offset + len(found)].astype(np.int8)
    if found.null_count:  # no role, or one not in ROLES
        valid = np.unpackbits(np.frombuffer(found.buffers()[0], np.uint8), bitorder="little")
        codes[valid[found.offset : found.offset + len(found)] == 0] = -1
    return contents, offsets - offsets[0], codes


def _all_rows_have_a_field(columns: list[pa.Array]) -> bool:
    import pyarrow.compute as pc

    present = columns[0].is_valid()
    for column in columns[1:]:
        present = pc.or_(present, column.is_valid())
    return bool(pc.all(present).as_py())


def _offsets(lists: pa.ListArray) -> np.ndarray:
    """A list array's offsets as int64, read from its buffer (to_numpy would import pandas: 0.3 s)."""
    import numpy as np

    raw = np.frombuffer(lists.buffers()[1], np.int32)
    return raw[lists.offset : lists.offset + len(lists) + 1].astype(np.int64)


def _fields(table: pa.Table) -> tuple[pa.Array, np.ndarray, None] | None:
    """Each row's prompt, completion, chosen, rejected and text fields as consecutive segments (None when a
    row has none of them: another shape, which the Python path reads)."""
    import numpy as np
    import pyarrow as pa

    rows, width = table.num_rows, len(FIELDS)
    columns = [table.column(name).combine_chunks() for name in FIELDS]
    if sum(c.null_count for c in columns) > (width - 1) * rows or not _all_rows_have_a_field(columns):
        return None
    stacked = pa.concat_arrays(columns)
    order = (np.arange(width)[None, :] * rows + np.arange(rows)[:, None]).ravel()
    indices = pa.Array.from_buffers(pa.int64(), len(order), [None, pa.py_buffer(order.astype(np.int64))])
    return stacked.take(indices), np.arange(rows + 1, dtype=np.int64) * width, None


def _python_batch(rel: str, first: int, chunk: bytes) -> Batch:
    lines, records = [], []
    for number, row in parse_lines(rel, first, chunk.split(b"\n")):
        lines.append(number)
        records.append(record_segments(row))
    return segment_batch(rel, lines, records)


def parse_lines(
    rel: str, first: int, raws: Iterable[bytes], errors: list[Any] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, object) for each non-blank JSONL line; a malformed line raises DataError, or is appended to
    ``errors`` (and skipped) when a list is given."""
    from ftspec.data.loading import DataError

    for number, raw in enumerate(raws, start=first):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            problem = None if isinstance(row, dict) else f"a JSON {type(row).__name__}, not an object"
        except ValueError as exc:
            problem = f"invalid JSON ({exc})"
        fix = "write one JSON object per line"
        if problem is None and SURROGATE_ESCAPE.search(raw) and (half := lone_surrogate(row)):
            problem, fix = f"a string holds half a UTF-16 surrogate pair ({half}), which is no character", WRITE_WHOLE
        if problem is None:
            yield number, row
            continue
        error = DataError(rel, number, problem, fix)
        if errors is None:
            raise error
        errors.append(error)


def lone_surrogate(value: Any) -> str | None:
    """The escape of the first lone surrogate in a parsed JSON value's strings (keys included), or None."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            return f"\\u{ord(value[exc.start]):04x}"
        return None
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((half for item in items if (half := lone_surrogate(item))), None)
