"""The field table of one schema version: JSON Schema properties joined with the Arrow fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Keywords that narrow a property's values, in the order the table shows them.
_CONSTRAINTS = (
    "format",
    "const",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
)


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One top-level property; `arrow_type` and `nullable` are None without an `arrow` block."""

    name: str
    json_type: str
    constraints: tuple[str, ...]
    required: bool
    arrow_type: str | None
    nullable: bool | None


def _short(value: Any) -> str:
    """A JSON value as it reads in a table cell (strings unquoted only where unambiguous)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return repr(value) if value == "" or value.strip() != value else value
    return str(value)


def json_type(prop: Any) -> str:
    """`type` (or `$ref`, or the combinator) of a property, arrays with their item type."""
    if not isinstance(prop, dict):
        return "any" if prop is True else "never"
    if "$ref" in prop:
        return f"$ref {prop['$ref']}"
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"array<{json_type(prop['items'])}>"
    if isinstance(kind, str):
        return kind
    for combinator in ("oneOf", "anyOf", "allOf"):
        if isinstance(prop.get(combinator), list):
            return combinator
    return "enum" if "enum" in prop else "any"


def constraints(prop: Any) -> tuple[str, ...]:
    """`format`, `enum`, bounds and the like as `keyword: value` strings."""
    if not isinstance(prop, dict):
        return ()
    found = [f"{key}: {_short(prop[key])}" for key in _CONSTRAINTS if key in prop]
    if isinstance(prop.get("enum"), list):
        found.insert(0, "enum: " + ", ".join(_short(v) for v in prop["enum"]))
    return tuple(found)


def arrow_type(spec: Any) -> str:
    """An Arrow type `{name, ...params}` as `name(param=value, ...)`; nested types recurse."""
    if not isinstance(spec, dict):
        return _short(spec)
    name = str(spec.get("name", "?"))
    params = []
    for key, value in spec.items():
        if key == "name":
            continue
        shown = arrow_type(value) if isinstance(value, dict) else _short(value)
        params.append(f"{key}={shown}")
    return f"{name}({', '.join(params)})" if params else name


def _arrow_fields(doc: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    arrow = doc.get("arrow")
    if not isinstance(arrow, dict) or not isinstance(arrow.get("fields"), list):
        return None
    return {
        str(field["name"]): field
        for field in arrow["fields"]
        if isinstance(field, dict) and "name" in field
    }


def field_rows(doc: dict[str, Any]) -> list[FieldRow]:
    """One row per top-level property, in document order."""
    properties = doc.get("properties")
    if not isinstance(properties, dict):
        return []
    required = doc.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    arrow = _arrow_fields(doc)
    rows = []
    for name, prop in properties.items():
        field = arrow.get(name) if arrow is not None else None
        rows.append(
            FieldRow(
                name=name,
                json_type=json_type(prop),
                constraints=constraints(prop),
                required=name in required_names,
                arrow_type=arrow_type(field.get("type")) if field is not None else None,
                # DESIGN §3: `nullable` defaults to true.
                nullable=bool(field.get("nullable", True)) if field is not None else None,
            )
        )
    return rows
