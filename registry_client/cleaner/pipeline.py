"""One blocking pass over a file: read a batch, check it, write its clean and rejected rows.

Memory stays bounded by a few batches (the reader's read-ahead, one batch in flight and the
Parquet writers' row groups) unless the caller keeps the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from registry_client.cleaner.columns import Plan
from registry_client.cleaner.quarantine import (
    MALFORMED,
    malformed_rows,
    quarantine_schema,
    rejected_rows,
)
from registry_client.cleaner.reader import Source, open_source
from registry_client.cleaner.report import Counts
from registry_client.cleaner.rules import check_batch
from registry_client.cleaner.sinks import TableSink

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where the clean and quarantined rows go and whether they are kept in memory."""

    out: Path | None = None
    quarantine: Path | None = None
    keep_clean: bool = True
    keep_quarantine: bool = True


def clean_file(
    path: Path,
    plan: Plan,
    outputs: Outputs,
    *,
    delimiter: str = ",",
    batch_rows: int = 65_536,
    progress: Progress | None = None,
) -> tuple[Counts, pa.Table | None, pa.Table | None]:
    """Cleans `path` against `plan`; `CleanerError` (nothing written) if it cannot start."""
    source = open_source(path, delimiter, batch_rows)
    try:
        extras = plan.check_header(source.names, delimiter)
        every_row = f"extra_column:{extras[0]}" if extras and plan.closed else None
        clean = TableSink(plan.schema, outputs.out, outputs.keep_clean)
        rejected = TableSink(
            quarantine_schema(source.names), outputs.quarantine, outputs.keep_quarantine
        )
        clean.open()
        try:
            rejected.open()
            counts = _run(source, plan, every_row, clean, rejected, progress)
            return counts, clean.commit(), rejected.commit()
        except BaseException:
            clean.abort()
            rejected.abort()
            raise
    finally:
        source.close()


def _run(
    source: Source,
    plan: Plan,
    every_row: str | None,
    clean: TableSink,
    rejected: TableSink,
    progress: Progress | None,
) -> Counts:
    counts = Counts()
    for batch in source.batches:
        reasons: pa.Array[Any]
        if every_row is not None:
            reasons = pa.array([every_row] * batch.num_rows, pa.string())
            kept = 0
        else:
            checked = check_batch(batch, plan)
            reasons, kept = checked.reasons, checked.clean.num_rows
            clean.write(checked.clean)
        found: Counter[str] = Counter()
        if kept < batch.num_rows:
            rejected.write(rejected_rows(batch, reasons, rejected.schema))
            tally = pc.value_counts(reasons.drop_null())
            names, sizes = tally.field("values").to_pylist(), tally.field("counts").to_pylist()
            found.update({str(n): int(c or 0) for n, c in zip(names, sizes, strict=True)})
        counts.add(kept, found)
        _drain_malformed(source, rejected, counts)
        if progress is not None:
            progress(source.done(), source.total)
    _drain_malformed(source, rejected, counts)
    return counts


def _drain_malformed(source: Source, rejected: TableSink, counts: Counts) -> None:
    lines = source.take_malformed()
    if lines:
        rejected.write(malformed_rows(lines, rejected.schema))
        counts.add(0, Counter({MALFORMED: len(lines)}))
