"""What the cleaner checks per column: the Arrow field and the JSON Schema keywords it enforces."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from registry_client.arrow import to_arrow_schema
from registry_client.cleaner.errors import CleanerError

log = logging.getLogger(__name__)

# Keywords enforced per column; the rest of a property's keywords are not checked (logged once).
_ENFORCED = frozenset(
    {
        "type",
        "format",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
    }
)
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "readOnly", "writeOnly"}
)
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


@dataclass(frozen=True, slots=True)
class Column:
    """One field of the target schema and the constraints of its property."""

    field: pa.Field[Any]
    # The JSON type the property admits: string, integer, number, boolean, or "" when mixed or
    # unconstrained (then only the Arrow type is checked).
    kind: str
    # Rejected when absent or empty: the property is required (and does not admit null), or the
    # Arrow field is not nullable.
    mandatory: bool
    date_format: str | None  # "date-time" or "date" for strings with that format
    enum: tuple[Any, ...] | None
    bounds: tuple[tuple[str, float], ...]
    min_length: int | None
    max_length: int | None
    pattern: str | None

    @property
    def name(self) -> str:
        return self.field.name


@dataclass(frozen=True, slots=True)
class Plan:
    """Every column to check, the target schema, and whether columns outside it are refused."""

    schema: pa.Schema
    columns: tuple[Column, ...]
    closed: bool

    def check_header(self, names: list[str], delimiter: str) -> list[str]:
        """The header's extra columns (names outside the schema); `CleanerError` when it cannot
        be this schema's data at all: duplicates, or mandatory columns missing."""
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        if duplicates:
            raise CleanerError(f"the header repeats column(s) {', '.join(duplicates)}")
        missing = [c.name for c in self.columns if c.mandatory and c.name not in names]
        if missing:
            raise CleanerError(_mismatch(names, missing, delimiter))
        known = {c.name for c in self.columns}
        return [n for n in names if n not in known]


def _mismatch(names: list[str], missing: list[str], delimiter: str) -> str:
    shown = ", ".join(repr(n[:40]) for n in names[:8])
    message = (
        f"the header does not match the schema: required column(s) {', '.join(missing)} "
        f"missing (the header reads {shown})"
    )
    if len(names) == 1 and any(d in names[0] for d in ";\t|," if d != delimiter):
        return f"{message}; is the delimiter wrong? (reading with {delimiter!r})"
    return f"{message}; does the file have a header row?"


def plan_for(document: Mapping[str, Any]) -> Plan:
    """The checks a registry document asks for (`ValueError` for an unusable arrow block)."""
    schema = to_arrow_schema(document)
    properties = document.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    required = set(document.get("required") or ())
    columns = []
    for field in schema:
        prop = _resolve(properties.get(field.name, {}), document)
        columns.append(_column(field, prop, field.name in required))
    return Plan(schema, tuple(columns), document.get("additionalProperties") is False)


def _column(field: pa.Field[Any], prop: Mapping[str, Any], required: bool) -> Column:
    kinds = prop.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    admits_null = "null" in kinds
    rest = [k for k in kinds if k != "null"]
    kind = "number" if set(rest) == {"integer", "number"} else (rest[0] if len(rest) == 1 else "")
    if not kind and isinstance(prop.get("enum"), list):
        kind = "string" if all(isinstance(v, str) for v in prop["enum"]) else ""
    unchecked = sorted(set(prop) - _ENFORCED - _ANNOTATIONS)
    if unchecked:
        log.warning("column %s: keywords %s are not checked", field.name, ", ".join(unchecked))
    fmt = prop.get("format")
    enum = prop.get("enum")
    if "const" in prop:
        enum = [prop["const"]]
    return Column(
        field=field,
        kind=kind,
        mandatory=(required and not admits_null) or not field.nullable,
        date_format=fmt if kind == "string" and fmt in ("date-time", "date") else None,
        enum=tuple(enum) if isinstance(enum, list) else None,
        bounds=tuple(
            (key, float(prop[key]))
            for key in BOUNDS
            if isinstance(prop.get(key), int | float) and not isinstance(prop[key], bool)
        ),
        min_length=_count(prop.get("minLength")),
        max_length=_count(prop.get("maxLength")),
        pattern=prop["pattern"] if isinstance(prop.get("pattern"), str) else None,
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A property schema with local `$ref`s followed (a bounded number); {} when unresolvable."""
    for _ in range(64):
        if not isinstance(schema, Mapping):
            return {}
        reference = schema.get("$ref")
        if not isinstance(reference, str):
            return schema
        target: Any = root
        for part in filter(None, reference.removeprefix("#").split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key) if isinstance(target, Mapping) else None
        schema = target
    return {}
