"""Input files as batches: CSV (every column read as text) or Parquet (as stored), streamed.

CSV cells are read as strings so a bad value fails its row, not the read: an unquoted empty cell
is null (absent), a quoted `""` is the empty string, bytes are not UTF-8-checked here (the rules
reject bad rows), a UTF-8 BOM is skipped, and lines with the wrong number of fields are kept
aside as `malformed` (their text) instead of failing the file. Parquet is recognised by its
`PAR1` magic, whatever the file is called, and read with `iter_batches`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from registry_client.cleaner.errors import CleanerError

_PROBE = 64 * 1024
# Arrow's streaming CSV reader reads ahead a few dozen blocks, so the block size bounds memory:
# 1 MiB blocks keep its buffers near 40 MB at no measurable cost in speed.
_MIN_BLOCK, _MAX_BLOCK = 64 * 1024, 1024 * 1024
_HEADER_LIMIT = 1024 * 1024


@dataclass
class Source:
    """An open input: its column names, its batches, and how far reading has got."""

    names: list[str]
    batches: Iterator[pa.RecordBatch]
    total: int  # bytes for CSV, rows for Parquet: the unit of `done()`
    position: pa.NativeFile | None = None
    malformed: list[str] = field(default_factory=list)
    rows_read: int = 0

    def done(self) -> int:
        """Progress in the unit of `total` (the read-ahead makes CSV a little early)."""
        if self.position is not None and not self.position.closed:
            return min(self.position.tell(), self.total)
        return self.rows_read if self.position is None else self.total

    def close(self) -> None:
        """Releases the file; also done when `batches` is exhausted."""
        if self.position is not None:
            self.position.close()

    def keep_malformed(self, row: pcsv.InvalidRow) -> Literal["skip"]:
        """The CSV reader's handler for a line with the wrong number of fields."""
        self.malformed.append(row.text)
        return "skip"

    def take_malformed(self) -> list[str]:
        taken, self.malformed[:] = list(self.malformed), []
        return taken


def open_source(path: Path, delimiter: str, batch_rows: int) -> Source:
    """Opens `path` (blocking: call from a thread); `CleanerError` when it cannot be read."""
    try:
        if path.is_dir():
            raise CleanerError(f"{path} is a directory, not a data file")
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(_PROBE)
    except FileNotFoundError:
        raise CleanerError(f"{path} does not exist") from None
    except OSError as exc:
        raise CleanerError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise CleanerError(f"{path} is empty (0 bytes): no header row")
    if head.startswith(b"PAR1"):
        return _parquet(path, batch_rows)
    return _csv(path, head, size, delimiter, batch_rows)


def _parquet(path: Path, batch_rows: int) -> Source:
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise CleanerError(f"{path} is not a readable Parquet file: {exc}") from None
    source = Source(file.schema_arrow.names, iter(()), file.metadata.num_rows)

    def batches() -> Iterator[pa.RecordBatch]:
        with file:
            for batch in file.iter_batches(batch_size=batch_rows):
                source.rows_read += batch.num_rows
                yield batch

    source.batches = batches()
    return source


def _block_size(head: bytes, batch_rows: int) -> int:
    lines = max(head.count(b"\n"), 1)
    return max(_MIN_BLOCK, min(_MAX_BLOCK, batch_rows * max(len(head) // lines, 1)))


def _csv(path: Path, head: bytes, size: int, delimiter: str, batch_rows: int) -> Source:
    if len(delimiter) != 1:
        raise CleanerError(f"the delimiter must be one character, not {delimiter!r}")
    parse = pcsv.ParseOptions(delimiter=delimiter)
    names = _header(path, parse)
    source = Source(names, iter(()), size)
    parse.invalid_row_handler = source.keep_malformed
    convert = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        check_utf8=False,
    )
    read = pcsv.ReadOptions(block_size=_block_size(head, batch_rows))
    stream = pa.OSFile(os.fspath(path), "r")
    try:
        reader = pcsv.open_csv(
            cast(Any, stream), read_options=read, parse_options=parse, convert_options=convert
        )
    except pa.ArrowInvalid as exc:
        stream.close()
        raise CleanerError(f"{path}: cannot read the CSV: {exc}") from None
    source.position = stream

    def batches() -> Iterator[pa.RecordBatch]:
        with stream:
            for batch in reader:
                source.rows_read += batch.num_rows
                yield batch

    source.batches = batches()
    return source


def _header(path: Path, parse: pcsv.ParseOptions) -> list[str]:
    """The column names (a first, small read: the real one needs them to read text only)."""
    read = pcsv.ReadOptions(block_size=_HEADER_LIMIT)
    parse.invalid_row_handler = _skip
    convert = pcsv.ConvertOptions(check_utf8=False)
    try:
        with pa.OSFile(os.fspath(path), "r") as stream:
            reader = pcsv.open_csv(
                cast(Any, stream), read_options=read, parse_options=parse, convert_options=convert
            )
            names = list(reader.schema.names)
    except UnicodeDecodeError:
        raise CleanerError(f"{path}: the header row is not valid UTF-8") from None
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            raise CleanerError(f"{path} has no header row (only blank lines)") from None
        raise CleanerError(f"{path}: cannot read the CSV header: {exc}") from None
    if any("\ufffd" in name for name in names):
        raise CleanerError(f"{path}: the header row is not valid UTF-8")
    return names


def _skip(row: pcsv.InvalidRow) -> Literal["skip"]:
    return "skip"
