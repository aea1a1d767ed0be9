"""Great Expectations adapter: a schema document becomes an ExpectationSuite for a DataFrame.

Needs the `gx` extra (`pip install 'schema-registry[gx]'`). A table holds one record per row and
one column per property; `pandas_read_options(document)` gives `pandas.read_csv` the dtypes that
the type expectations accept.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

with warnings.catch_warnings():
    # great_expectations 1.x imports the stdlib's deprecated `sre_constants` module.
    warnings.simplefilter("ignore", DeprecationWarning)
    import great_expectations as gx
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # The defining modules: great_expectations.expectations re-exports these implicitly only.
    from great_expectations.expectations.core.expect_column_to_exist import ExpectColumnToExist
    from great_expectations.expectations.core.expect_column_value_lengths_to_be_between import (
        ExpectColumnValueLengthsToBeBetween,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_between import (
        ExpectColumnValuesToBeBetween,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_set import (
        ExpectColumnValuesToBeInSet,
    )
    from great_expectations.expectations.core.expect_column_values_to_be_in_type_list import (
        ExpectColumnValuesToBeInTypeList,
    )
    from great_expectations.expectations.core.expect_column_values_to_match_regex import (
        ExpectColumnValuesToMatchRegex,
    )
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )
    from great_expectations.expectations.core.expect_table_columns_to_match_set import (
        ExpectTableColumnsToMatchSet,
    )
    from great_expectations.expectations.expectation import Expectation

DEFAULT_REGISTRY_URL = "http://localhost:8000"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_VERSION = re.compile(r"^(latest|\d+\.\d+\.\d+)$")

# Column dtypes each kind of value may arrive in, spelled the way GX's
# expect_column_values_to_be_in_type_list resolves them (numpy names, pandas extension classes).
_INTEGER = (
    *(f"int{bits}" for bits in (8, 16, 32, 64)),
    *(f"uint{bits}" for bits in (8, 16, 32, 64)),
    *(f"Int{bits}Dtype" for bits in (8, 16, 32, 64)),
    *(f"UInt{bits}Dtype" for bits in (8, 16, 32, 64)),
)
_TYPE_LISTS: dict[str, tuple[str, ...]] = {
    "integer": _INTEGER,
    "number": (*_INTEGER, "float16", "float32", "float64", "Float32Dtype", "Float64Dtype"),
    "string": ("str", "StringDtype"),
    "boolean": ("bool", "BooleanDtype"),
    "datetime": tuple(f"datetime64[{unit}]" for unit in ("s", "ms", "us", "ns")),
}
# The dtype `pandas_read_options` reads each kind into (nullable extension dtypes: a null in an
# integer column must not turn it into float64).
_READ_DTYPES = {"integer": "Int64", "number": "Float64", "string": "string", "boolean": "boolean"}


class SchemaFetchError(Exception):
    """The registry did not return the requested schema document."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: which check, on which column, and the rows that broke it."""

    expectation_type: str
    column: str | None
    success: bool
    unexpected_count: int
    # Index labels of the offending rows (empty for table- and column-level checks).
    unexpected_indices: tuple[Hashable, ...]
    observed_value: Any
    # Why GX could not evaluate the expectation at all (a missing column, a bad dtype, …).
    exception: str | None = None


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one DataFrame against one schema version."""

    schema_id: str
    version: str
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.success)

    def summary(self) -> str:
        """Human-readable lines: a headline, then one line per failing expectation."""
        verdict = "passed" if self.success else f"{len(self.failures)} failing"
        lines = [f"{self.schema_id}@{self.version}: {len(self.outcomes)} expectations, {verdict}"]
        for failure in self.failures:
            where = f"{failure.column}: " if failure.column else ""
            if failure.exception:
                detail = f"error: {failure.exception}"
            elif failure.unexpected_indices:
                rows = ", ".join(str(index) for index in failure.unexpected_indices[:20])
                detail = f"{failure.unexpected_count} unexpected, rows [{rows}]"
            else:
                detail = f"observed {failure.observed_value!r}"
            lines.append(f"  FAIL {where}{failure.expectation_type} — {detail}")
        return "\n".join(lines)


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follows local `$ref`s (`#/definitions/…`, `#/$defs/…`); the registry rejects remote ones."""
    seen: set[str] = set()
    while isinstance(ref := schema.get("$ref"), str) and ref.startswith("#/") and ref not in seen:
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                return schema
            target = target[part]
        if not isinstance(target, Mapping):
            return schema
        schema = target
    return schema


def _arrow_fields(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    block = document.get("arrow")
    fields = block.get("fields", []) if isinstance(block, Mapping) else []
    return {
        f["name"]: f for f in fields if isinstance(f, Mapping) and isinstance(f.get("name"), str)
    }


def _kind(prop: Mapping[str, Any], field: Mapping[str, Any] | None) -> str | None:
    """The kind of value a column holds: the Arrow type when the document has one, else JSON."""
    arrow = field.get("type", {}).get("name") if field is not None else None
    if isinstance(arrow, str):
        if re.fullmatch(r"u?int\d+", arrow):
            return "integer"
        if arrow.startswith(("float", "decimal")):
            return "number"
        if arrow in ("utf8", "large_utf8", "dictionary"):
            return "string"
        if arrow in ("timestamp", "date32", "date64"):
            return "datetime"
        if arrow == "bool":
            return "boolean"
        return None
    types = prop.get("type")
    kinds = {types} if isinstance(types, str) else set(types or []) - {"null"}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "string" and prop.get("format") in ("date-time", "date"):
        return "datetime"
    return kind if kind in _TYPE_LISTS else None


def _admits_null(prop: Mapping[str, Any]) -> bool:
    types = prop.get("type")
    return types == "null" or (isinstance(types, list) and "null" in types)


def _bounds(prop: Mapping[str, Any]) -> dict[str, Any] | None:
    """expect_column_values_to_be_between's arguments for the numeric keywords, if any."""
    low, high = prop.get("minimum"), prop.get("maximum")
    xlow, xhigh = prop.get("exclusiveMinimum"), prop.get("exclusiveMaximum")
    args: dict[str, Any] = {}
    if (
        isinstance(xlow, int | float)
        and not isinstance(xlow, bool)
        and (low is None or xlow >= low)
    ):
        args.update(min_value=xlow, strict_min=True)
    elif low is not None:
        args.update(min_value=low)
    if (
        isinstance(xhigh, int | float)
        and not isinstance(xhigh, bool)
        and (high is None or xhigh <= high)
    ):
        args.update(max_value=xhigh, strict_max=True)
    elif high is not None:
        args.update(max_value=high)
    return args or None


def _column_expectations(
    name: str, prop: Mapping[str, Any], field: Mapping[str, Any] | None, required: bool
) -> Iterator[Expectation]:
    if (required or (field is not None and field.get("nullable") is False)) and not _admits_null(
        prop
    ):
        yield ExpectColumnValuesToNotBeNull(column=name)
    kind = _kind(prop, field)
    if kind is not None:
        yield ExpectColumnValuesToBeInTypeList(column=name, type_list=list(_TYPE_LISTS[kind]))
    values = prop["enum"] if isinstance(prop.get("enum"), list) else None
    if "const" in prop:
        values = [prop["const"]]
    if values is not None:
        yield ExpectColumnValuesToBeInSet(
            column=name, value_set=[v for v in values if v is not None]
        )
    if (bounds := _bounds(prop)) is not None:
        yield ExpectColumnValuesToBeBetween(column=name, **bounds)
    if "minLength" in prop or "maxLength" in prop:
        yield ExpectColumnValueLengthsToBeBetween(
            column=name, min_value=prop.get("minLength"), max_value=prop.get("maxLength")
        )
    if isinstance(prop.get("pattern"), str):
        # JSON Schema patterns are unanchored searches; GX's pandas regex check is one too.
        yield ExpectColumnValuesToMatchRegex(column=name, regex=prop["pattern"])


def expectations_for(
    document: Mapping[str, Any], columns: Iterable[str] | None = None
) -> list[Expectation]:
    """The expectations a schema document implies for a table of its records.

    Required properties must exist as columns and hold no nulls; every column is checked for its
    type, `enum`/`const`, numeric bounds, string lengths and `pattern`; `additionalProperties:
    false` demands exactly the properties as columns. With `columns` (the table's), checks on
    absent optional columns are left out rather than failing for want of the column.
    """
    properties = document.get("properties") or {}
    required = set(document.get("required") or [])
    present = None if columns is None else set(columns)
    fields = _arrow_fields(document)
    out: list[Expectation] = []
    if document.get("additionalProperties") is False:
        out.append(ExpectTableColumnsToMatchSet(column_set=list(properties), exact_match=True))
    for name, raw in properties.items():
        is_required = name in required
        if is_required:
            out.append(ExpectColumnToExist(column=name))
        if present is not None and name not in present:
            continue
        prop = _resolve(raw, document) if isinstance(raw, Mapping) else {}
        out.extend(_column_expectations(name, prop, fields.get(name), is_required))
    return out


def suite_for(
    document: Mapping[str, Any], columns: Iterable[str] | None = None
) -> gx.ExpectationSuite:
    """An ExpectationSuite named `<id>@<version>` holding `expectations_for(document, columns)`."""
    name = f"{document.get('id', 'schema')}@{document.get('version', 'unversioned')}"
    return gx.ExpectationSuite(name=name, expectations=expectations_for(document, columns))


def pandas_read_options(document: Mapping[str, Any]) -> dict[str, Any]:
    """`pandas.read_csv` keyword arguments (`dtype`, `parse_dates`) matching the suite's types."""
    fields = _arrow_fields(document)
    dtypes: dict[str, str] = {}
    dates: list[str] = []
    for name, raw in (document.get("properties") or {}).items():
        prop = _resolve(raw, document) if isinstance(raw, Mapping) else {}
        kind = _kind(prop, fields.get(name))
        if kind == "datetime":
            dates.append(name)
        elif kind is not None:
            dtypes[name] = _READ_DTYPES[kind]
    return {"dtype": dtypes, "parse_dates": dates}


def _gx_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose dtypes GX's type check recognises, holding the same values.

    GX's pandas type check matches neither pandas 3's default `str` dtype (a StringDtype whose
    null is NaN) nor time-zone-aware datetimes, so those become `string` and naive UTC.
    """
    converted = {}
    for name, column in frame.items():
        dtype = column.dtype
        if isinstance(dtype, pd.StringDtype) and dtype != pd.StringDtype():
            converted[name] = column.astype(pd.StringDtype(storage=dtype.storage))
        elif isinstance(dtype, pd.DatetimeTZDtype):
            converted[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
    return frame.assign(**{str(k): v for k, v in converted.items()}) if converted else frame


def _outcome(result: ExpectationValidationResult) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs if config is not None else {}
    details: Mapping[str, Any] = result.result or {}
    exception = None
    info = result.exception_info or {}
    # exception_info is either one record or a mapping of metric id → record.
    records = [info] if "raised_exception" in info else list(info.values())
    for record in records:
        if isinstance(record, Mapping) and record.get("raised_exception"):
            exception = str(record.get("exception_message"))
            break
    return ExpectationOutcome(
        expectation_type=config.type if config is not None else "unknown",
        column=kwargs.get("column"),
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        unexpected_indices=tuple(details.get("unexpected_index_list") or ()),
        observed_value=details.get("observed_value"),
        exception=exception,
    )


class _Validator:
    """One ephemeral GX context with a pandas batch definition, reused for every frame."""

    def __init__(self) -> None:
        context = gx.get_context(mode="ephemeral")
        context.enable_analytics(False)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_pandas("schema_registry")
        asset = source.add_dataframe_asset("frame")
        self._batches: BatchDefinition[Any] = asset.add_batch_definition_whole_dataframe("whole")

    def validate(
        self, frame: pd.DataFrame, suite: gx.ExpectationSuite
    ) -> ExpectationSuiteValidationResult:
        batch = self._batches.get_batch(batch_parameters={"dataframe": _gx_ready(frame)})
        return batch.validate(suite, result_format="COMPLETE")


def validate_with(frame: pd.DataFrame, document: Mapping[str, Any]) -> ValidationReport:
    """Validates `frame` against `document` without the network."""
    return _report(_Validator(), frame, document)


def _report(
    validator: _Validator, frame: pd.DataFrame, document: Mapping[str, Any]
) -> ValidationReport:
    result = validator.validate(frame, suite_for(document, [str(c) for c in frame.columns]))
    return ValidationReport(
        schema_id=str(document.get("id", "")),
        version=str(document.get("version", "")),
        success=bool(result.success),
        # GX's result order varies between runs; table-level checks first, then by column.
        outcomes=tuple(
            sorted(
                (_outcome(r) for r in result.results),
                key=lambda o: (o.column or "", o.expectation_type),
            )
        ),
    )


def parse_ref(ref: str) -> tuple[str, str | None]:
    """`"ticks_v1"` → (`ticks_v1`, None); `"ticks_v1@1.1.0"` → (`ticks_v1`, `1.1.0`)."""
    schema_id, _, version = ref.partition("@")
    if not _ID.match(schema_id) or (version and not _VERSION.match(version)):
        raise ValueError(f"{ref!r} is not a schema reference such as ticks_v1 or ticks_v1@1.1.0")
    return schema_id, version or None


class SchemaRegistryGEIntegration:
    """Validates DataFrames against schemas fetched from a registry.

    `registry_url` defaults to $SCHEMA_REGISTRY_URL, then http://localhost:8000; `token` is sent
    as a bearer token when the registry requires one for reads. Calls block (GX is synchronous):
    from a coroutine, run them in a thread.
    """

    def __init__(
        self, registry_url: str | None = None, token: str | None = None, timeout: float = 10.0
    ) -> None:
        url = registry_url or os.environ.get("SCHEMA_REGISTRY_URL") or DEFAULT_REGISTRY_URL
        self.registry_url = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._validator: _Validator | None = None

    def fetch_document(self, ref: str) -> dict[str, Any]:
        """GET /schema/{id} (the latest version) or /schema/{id}/{version}."""
        schema_id, version = parse_ref(ref)
        path = f"/schema/{urllib.parse.quote(schema_id)}"
        if version is not None:
            path += f"/{version}"
        request = urllib.request.Request(
            self.registry_url + path, headers={"Accept": "application/json"}
        )
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                document: dict[str, Any] = orjson.loads(response.read())
                return document
        except urllib.error.HTTPError as exc:
            raise _fetch_error(ref, exc) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SchemaFetchError(
                f"cannot reach the registry at {self.registry_url}: {exc}"
            ) from exc

    def suite(self, ref: str) -> gx.ExpectationSuite:
        return suite_for(self.fetch_document(ref))

    def validate_dataframe(self, frame: pd.DataFrame, ref: str) -> ValidationReport:
        """Fetches `ref` ("ticks_v1" or "ticks_v1@1.1.0") and validates `frame` against it."""
        return self.validate(frame, self.fetch_document(ref))

    def validate(self, frame: pd.DataFrame, document: Mapping[str, Any]) -> ValidationReport:
        """Validates `frame` against a document already in hand."""
        if self._validator is None:
            self._validator = _Validator()
        return _report(self._validator, frame, document)


def _fetch_error(ref: str, exc: urllib.error.HTTPError) -> SchemaFetchError:
    try:
        body = orjson.loads(exc.read())
    except orjson.JSONDecodeError:
        body = {}
    code = body.get("error") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    return SchemaFetchError(
        f"registry answered {exc.code} for {ref}: {message or exc.reason}", exc.code, code
    )
