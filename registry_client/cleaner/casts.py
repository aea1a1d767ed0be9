"""Row-level conversions: text to typed Arrow values, where a row that fails becomes null.

`pc.cast` fails a whole array on one bad value; here the bad rows are found instead, so one
typo never costs the batch. Each conversion tries the plain cast first (clean data pays for one
pass), then drops what a strict pattern refuses and casts again, then bisects whatever still
fails. The caller compares nulls before and after to learn which rows failed.

Text rules (JSON's, since the schema is JSON Schema): integers `-?[0-9]+` (no `+`, no spaces,
no `1.0`); numbers in JSON syntax, finite only (`nan`, `inf` and overflow to infinity are
refused); booleans `true`/`false` in any letter case; date-time RFC 3339 with a `T` or space,
`Z` or a `±hh:mm` offset (a missing offset is refused), fractions beyond the column's unit are
truncated to it, a leap second `:60` is refused; date `YYYY-MM-DD`.
"""

from __future__ import annotations

from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc

_INTEGER = r"^-?[0-9]+$"
_NUMBER = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
_DATE_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_FRACTION_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def cast_rows(values: pa.Array[Any], target: pa.DataType) -> pa.Array[Any]:
    """`values` cast to `target`, with null where a row cannot be cast (safe casts only)."""
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(values) <= 1:
            nothing: pa.Array[Any] = pa.nulls(len(values), type=cast(Any, target))
            return nothing
    middle = len(values) // 2
    halves = [cast_rows(values.slice(0, middle), target), cast_rows(values.slice(middle), target)]
    return pa.concat_arrays(halves)


def _keep_matching(values: pa.Array[Any], pattern: str) -> pa.Array[Any]:
    kept: pa.Array[Any] = pc.if_else(pc.match_substring_regex(values, pattern), values, None)
    return kept


def _strict_cast(values: pa.Array[Any], target: pa.DataType, pattern: str) -> pa.Array[Any]:
    try:
        return pc.cast(values, target)
    except pa.ArrowInvalid:
        return cast_rows(_keep_matching(values, pattern), target)


def parse_text(
    values: pa.Array[Any], target: pa.DataType, date_format: str | None
) -> pa.Array[Any]:
    """Text as `target` values, null where the text is not a valid value (see the module)."""
    if pa.types.is_string(target) or pa.types.is_large_string(target):
        return values if values.type == target else pc.cast(values, target)
    if pa.types.is_integer(target):
        return _strict_cast(values, target, _INTEGER)
    if pa.types.is_floating(target):
        parsed = _strict_cast(values, target, _NUMBER)
        if parsed.null_count == len(parsed):
            return parsed
        finite: pa.Array[Any] = pc.if_else(pc.is_finite(parsed), parsed, None)
        return finite
    if pa.types.is_boolean(target):
        lowered = pc.utf8_lower(values)
        known = pc.is_in(lowered, value_set=pa.array(["true", "false"]))
        flags: pa.Array[Any] = pc.if_else(known, pc.equal(lowered, pa.scalar("true")), None)
        return flags
    if pa.types.is_timestamp(target):
        return _timestamps(values, target, date_format)
    if pa.types.is_date(target) and date_format != "date-time":
        return cast_rows(_keep_matching(values, _DATE), target)
    if pa.types.is_dictionary(target):
        return pc.cast(parse_text(values, target.value_type, date_format), target)
    return cast_rows(values, target)


def _timestamps(
    values: pa.Array[Any], target: pa.TimestampType, date_format: str | None
) -> pa.Array[Any]:
    """RFC 3339 text as instants. The shape is always checked, since Arrow's ISO 8601 parser
    also takes forms RFC 3339 does not (`2026-01-02T03Z`); clean text costs one regex pass and
    one cast, and only a batch whose cast fails is normalised (`t`/`z`, long fractions)."""
    if date_format != "date-time" and target.tz is None:
        # A naive column without a date-time format: Arrow's own ISO 8601 forms, as UTC.
        return cast_rows(values, target)
    instant = pa.timestamp(target.unit, tz="UTC")
    shaped = pc.match_substring_regex(values, _DATE_TIME, ignore_case=True)
    if shaped.true_count < len(values) - values.null_count:
        values = pc.if_else(shaped, values, None)
    try:
        parsed = pc.cast(values, instant)
    except pa.ArrowInvalid:
        text = pc.utf8_upper(values)
        digits = _FRACTION_DIGITS[target.unit]
        # Sub-unit digits are dropped (a `us` column keeps microseconds of a nanosecond stamp).
        cut = rf"(\.[0-9]{{{digits}}})[0-9]+" if digits else r"\.[0-9]+"
        text = pc.replace_substring_regex(text, cut, r"\1" if digits else "")
        parsed = cast_rows(text, instant)
    return pc.cast(parsed, target)
