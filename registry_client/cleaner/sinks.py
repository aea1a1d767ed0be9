"""Where cleaned and quarantined batches go: a Parquet file, memory, both, or only counted.

A file is written to `<name>.partial` beside the target and renamed over it only when the run
succeeds, so a failed run never leaves a half-written file under the target name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from registry_client.cleaner.errors import CleanerError


class TableSink:
    """Streams batches of one schema to `path` (if given) and keeps them (if `keep`)."""

    def __init__(self, schema: pa.Schema, path: Path | None, keep: bool) -> None:
        self.schema = schema
        self._path = path
        self._partial = path.with_name(path.name + ".partial") if path is not None else None
        self._writer: pq.ParquetWriter | None = None
        self._kept: list[pa.RecordBatch] | None = [] if keep else None

    def open(self) -> None:
        """Creates the partial file (a writable target is checked before any row is read)."""
        if self._partial is not None:
            try:
                self._writer = pq.ParquetWriter(os.fspath(self._partial), self.schema)
            except OSError as exc:
                raise CleanerError(f"cannot write {self._path}: {exc}") from None

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        if self._writer is not None:
            self._writer.write_batch(batch)
        if self._kept is not None:
            self._kept.append(batch)

    def commit(self) -> pa.Table | None:
        """Closes and renames the file; the kept table, or None when nothing was kept."""
        if self._writer is not None and self._partial is not None and self._path is not None:
            self._writer.close()
            os.replace(self._partial, self._path)
        if self._kept is None:
            return None
        return pa.Table.from_batches(self._kept, schema=self.schema)

    def abort(self) -> None:
        if self._writer is not None and self._partial is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            with contextlib.suppress(OSError):
                self._partial.unlink()
