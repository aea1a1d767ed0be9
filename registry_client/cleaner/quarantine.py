"""Rejected rows as text: every input column as a string, plus `_reason` and `_raw`.

`_reason` is the first failing rule (rules.py); `_raw` is null except for CSV lines that could
not be split into the header's columns (reason `columns`), which keep their text there. Cells
that are not UTF-8 are kept with U+FFFD in place of the bad bytes; nested Parquet values are
written as JSON text.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

REASON = "_reason"
RAW = "_raw"
MALFORMED = "columns"


def quarantine_schema(names: list[str]) -> pa.Schema:
    return pa.schema(
        [pa.field(n, pa.string()) for n in names if n not in (REASON, RAW)]
        + [pa.field(REASON, pa.string(), nullable=False), pa.field(RAW, pa.string())]
    )


def _as_text(values: pa.Array[Any]) -> pa.Array[Any]:
    if pa.types.is_string(values.type):
        try:
            values.cast(pa.binary()).cast(pa.string())
            return values
        except pa.ArrowInvalid:
            raw = values.cast(pa.binary()).to_pylist()
            return pa.array([None if v is None else v.decode("utf-8", "replace") for v in raw])
    try:
        return pc.cast(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        items = values.to_pylist()
        return pa.array([None if v is None else json.dumps(v, default=str) for v in items])


def rejected_rows(
    batch: pa.RecordBatch, reasons: pa.Array[Any], schema: pa.Schema
) -> pa.RecordBatch:
    """The rows of `batch` that have a reason, as text, in `schema` (quarantine_schema)."""
    keep = pc.is_valid(reasons)
    picked = batch.filter(keep)
    arrays = []
    for field in schema:
        if field.name == REASON:
            arrays.append(reasons.filter(keep))
        elif field.name == RAW:
            arrays.append(pa.nulls(picked.num_rows, pa.string()))
        else:
            arrays.append(_as_text(picked.column(field.name)))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def malformed_rows(lines: list[str], schema: pa.Schema) -> pa.RecordBatch:
    """CSV lines with the wrong number of fields: only `_reason` and `_raw` are set."""
    arrays = [
        pa.array([MALFORMED] * len(lines), pa.string())
        if field.name == REASON
        else pa.array(lines, pa.string())
        if field.name == RAW
        else pa.nulls(len(lines), pa.string())
        for field in schema
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
