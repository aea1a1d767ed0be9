"""Vectorised checks of one batch: every rejected row gets exactly one reason, the first that fails.

Reasons are `<rule>:<column>`, tried rule by rule in this order, each rule over the columns in
the schema's field order, so a row that is both missing `size` and has a bad `side` reads
`required:size`:

1. `extra_column:<name>` — the header has a column outside the schema while the schema says
   `additionalProperties: false`: every row of the file (the reader decides, per header);
2. `encoding:<column>` — the cell is not valid UTF-8 (in a numeric column such a cell is no
   number: `type`);
3. `required:<column>` — a required column (or a non-nullable field) is empty;
4. `type:<column>` — the text is not a value of the column's type (or does not fit the Arrow
   type, e.g. an int32 overflow);
5. `format:<column>` — not an RFC 3339 date-time / a date;
6. `enum:<column>` (also `const`);
7. `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`;
8. `minLength`, `maxLength` (code points, as JSON Schema counts);
9. `pattern:<column>` — an unanchored search, as JSON Schema means it, with RE2 (see below).

Malformed CSV lines (a wrong number of fields) are quarantined by the reader as `columns`.

Patterns run in Arrow's RE2, not ECMA-262: lookaround and backreferences do not exist there, so
such a pattern falls back to Python's `re` row by row (correct for the common subset, slower);
`\\d`, `\\w`, `\\s` are ASCII in RE2 as in ECMA without the `u` flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc

from registry_client.cleaner.casts import cast_rows, parse_text
from registry_client.cleaner.columns import Column, Plan

RULES = (
    "encoding",
    "required",
    "type",
    "format",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
)
_RANK = {rule: rank for rank, rule in enumerate(RULES)}
_COMPARE = {
    "minimum": pc.less,
    "maximum": pc.greater,
    "exclusiveMinimum": pc.less_equal,
    "exclusiveMaximum": pc.greater_equal,
}


@dataclass(frozen=True, slots=True)
class Checked:
    """One batch checked: the clean rows (target schema), the reason per row (null: clean)."""

    clean: pa.RecordBatch
    reasons: pa.Array[Any]
    rejected: int


def _fails(mask: pa.Array[Any]) -> pa.Array[Any] | None:
    """`mask` with nulls as False, or None when no row fails."""
    mask = pc.fill_null(mask, cast(Any, False))
    return mask if pc.any(mask).as_py() else None


def _utf8_failures(values: pa.Array[Any]) -> pa.Array[Any] | None:
    """Rows whose bytes are not UTF-8 (the CSV reader does not check, so one bad byte never
    fails the whole file); the ASCII test is vectorised, only the rest are decoded."""
    raw: pa.Array[Any] = values.cast(pa.binary())
    try:
        raw.cast(pa.string())
        return None
    except pa.ArrowInvalid:
        pass
    ascii_ = pc.fill_null(pc.string_is_ascii(cast(Any, values)), pa.scalar(True)).to_pylist()
    flags = [not ok and not _decodes(raw[i].as_py()) for i, ok in enumerate(ascii_)]
    return pa.array(flags, pa.bool_())


def _decodes(value: bytes | None) -> bool:
    try:
        (value or b"").decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _pattern_failures(text: pa.Array[Any], pattern: str) -> pa.Array[Any] | None:
    try:
        found = pc.match_substring_regex(text, pattern)
    except pa.ArrowInvalid:
        compiled = re.compile(pattern)
        found = pa.array(
            [None if v is None else compiled.search(v) is not None for v in text.to_pylist()],
            pa.bool_(),
        )
    return _fails(pc.invert(found))


def _enum_failures(
    text: pa.Array[Any], typed: pa.Array[Any], column: Column
) -> pa.Array[Any] | None:
    assert column.enum is not None
    if column.kind == "string":
        allowed = pa.array([v for v in column.enum if isinstance(v, str)], pa.string())
        return _fails(pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, value_set=allowed))))
    values = [v for v in column.enum if not isinstance(v, str | list | dict)]
    try:
        allowed = pa.array(values).cast(typed.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return _fails(pc.and_(pc.is_valid(typed), pc.invert(pc.is_in(typed, value_set=allowed))))


def _value_failures(
    column: Column, text: pa.Array[Any] | None, typed: pa.Array[Any]
) -> Iterator[tuple[str, pa.Array[Any] | None]]:
    """The keyword checks on a column's valid values, in rule order."""
    if column.enum is not None:
        yield "enum", _enum_failures(text if text is not None else typed, typed, column)
    if column.bounds and (pa.types.is_integer(typed.type) or pa.types.is_floating(typed.type)):
        for keyword, bound in column.bounds:
            yield keyword, _fails(_COMPARE[keyword](typed, pa.scalar(bound)))
    if text is not None and column.kind == "string":
        lengths = (
            pc.utf8_length(cast(Any, text)) if column.min_length or column.max_length else None
        )
        if column.min_length is not None and lengths is not None:
            yield "minLength", _fails(pc.less(lengths, pa.scalar(column.min_length)))
        if column.max_length is not None and lengths is not None:
            yield "maxLength", _fails(pc.greater(lengths, pa.scalar(column.max_length)))
        if column.pattern is not None:
            yield "pattern", _pattern_failures(text, column.pattern)


def check_batch(batch: pa.RecordBatch, plan: Plan) -> Checked:
    """Checks every column of `batch` (columns the schema has but the batch lacks are null)."""
    length = batch.num_rows
    found: list[tuple[int, int, str, pa.Array[Any]]] = []
    arrays = []
    for position, column in enumerate(plan.columns):
        index = batch.schema.get_field_index(column.name)
        source = batch.column(index) if index >= 0 else pa.nulls(length, pa.string())
        typed, failures = check_column(column, source)
        arrays.append(typed)
        found.extend(
            (_RANK[rule], position, f"{rule}:{column.name}", mask)
            for rule, mask in failures
            if mask is not None
        )
    reasons = pa.nulls(length, pa.string())
    for _, _, label, mask in sorted(found, key=lambda item: item[:2]):
        reasons = pc.if_else(pc.and_(mask, pc.is_null(reasons)), label, reasons)
    rejected = length - reasons.null_count
    clean = pa.RecordBatch.from_arrays(arrays, schema=plan.schema)
    if rejected:
        clean = clean.filter(pc.is_null(reasons))
    return Checked(clean, reasons, rejected)


def check_column(
    column: Column, source: pa.Array[Any]
) -> tuple[pa.Array[Any], list[tuple[str, pa.Array[Any] | None]]]:
    """A column's values as its Arrow type (null where invalid) and its failure masks."""
    target = column.field.type
    text = source if pa.types.is_string(source.type) else None
    failures: list[tuple[str, pa.Array[Any] | None]] = []
    # Numbers parse from ASCII digits only, so bytes that are not UTF-8 fail them as `type`.
    numeric = pa.types.is_integer(target) or pa.types.is_floating(target)
    if text is not None and not numeric:
        bad_bytes = _utf8_failures(text)
        failures.append(("encoding", bad_bytes))
        if bad_bytes is not None:
            text = pc.if_else(bad_bytes, None, text)
    present = text if text is not None else source
    if column.mandatory and present.null_count:
        failures.append(("required", _fails(pc.is_null(present))))
    if text is not None:
        typed = parse_text(text, target, column.date_format)
    else:
        typed = source if source.type == target else cast_rows(source, target)
    if typed.null_count > present.null_count:
        rule = "format" if column.date_format and text is not None else "type"
        failures.append((rule, _fails(pc.and_(pc.is_valid(present), pc.is_null(typed)))))
    if text is None and column.kind == "string" and pa.types.is_string(typed.type):
        text = typed
    failures.extend(_value_failures(column, text, typed))
    return typed, failures
