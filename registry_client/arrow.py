"""The Arrow schema of a registry document: its `arrow` block, or the default mapping of DESIGN §3.

The block's shape is the one `compat_rs` checks when a version is published (`{"fields": [{name,
type: {name, …params}, nullable?, metadata?}], "metadata"?}`; `nullable` defaults to true).
Without a block the fields are derived from the JSON Schema `properties` exactly as the
registry's compatibility engine derives them (compat_rs/core/src/arrow/derive.rs), so a client
and the server mean the same schema:

- integer → int64, number → float64, boolean → bool, null → null;
- string with format date-time → timestamp[us, tz=UTC], with format date → date32, other
  strings (enums of strings included) → utf8;
- array → list of the mapped `items` (tuple or missing `items` → list<utf8>);
- object with `properties` → struct of the mapped properties;
- anything the table cannot map (no `type`, mixed unions, objects without `properties`,
  recursive `$ref`s) → utf8, holding the value's JSON text.

A field is nullable unless its property is `required` and its schema does not admit null.
Derived fields come in sorted name order, as the engine derives them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

# Local `$ref` chains and nesting are bounded: hostile documents end as utf8, not a crash.
_MAX_DEPTH = 64

_FLAT: dict[str, Callable[[], pa.DataType]] = {
    "null": pa.null,
    "bool": pa.bool_,
    "int8": pa.int8,
    "int16": pa.int16,
    "int32": pa.int32,
    "int64": pa.int64,
    "uint8": pa.uint8,
    "uint16": pa.uint16,
    "uint32": pa.uint32,
    "uint64": pa.uint64,
    "float16": pa.float16,
    "float32": pa.float32,
    "float64": pa.float64,
    "utf8": pa.string,
    "large_utf8": pa.large_string,
    "binary": pa.binary,
    "large_binary": pa.large_binary,
    "date32": pa.date32,
    "date64": pa.date64,
}
_UNITS = {
    "timestamp": ("s", "ms", "us", "ns"),
    "duration": ("s", "ms", "us", "ns"),
    "time32": ("s", "ms"),
    "time64": ("us", "ns"),
}
# The spellings people reach for, as compat_rs suggests them.
_DID_YOU_MEAN = {
    "string": "utf8",
    "str": "utf8",
    "large_string": "large_utf8",
    "boolean": "bool",
    "double": "float64",
    "float": "float32",
    "int": "int64",
    "integer": "int64",
    "long": "int64",
    "date": "date32",
    "bytes": "binary",
    "array": "list",
    "map": "struct",
    "object": "struct",
}
_JSON_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})


def to_arrow_schema(document: Mapping[str, Any]) -> pa.Schema:
    """The `pyarrow.Schema` of a registry document (see the module docstring for the rules).

    Raises `ValueError` naming the offending field for an unknown Arrow type name, a bad
    parameter, or a JSON Schema `type` that is not one of the seven JSON types.
    """
    block = document.get("arrow")
    if block is None:
        return pa.schema(_derive_properties(document, document))
    if not isinstance(block, Mapping) or not isinstance(block.get("fields"), list):
        raise ValueError("arrow: the block must be an object with a 'fields' array")
    fields = [_field(spec, f"arrow.fields[{i}]") for i, spec in enumerate(block["fields"])]
    metadata = block.get("metadata")
    return pa.schema(fields, metadata=dict(metadata) if isinstance(metadata, Mapping) else None)


# -- the explicit block ---------------------------------------------------------------------


def _field(spec: Any, where: str) -> pa.Field[Any]:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
        raise ValueError(f"{where}: a field must be an object with a string 'name'")
    name = spec["name"]
    nullable = spec.get("nullable", True)
    if not isinstance(nullable, bool):
        raise ValueError(f"{where} ({name!r}): 'nullable' must be true or false")
    metadata = spec.get("metadata")
    return pa.field(
        name,
        _type(spec.get("type"), f"{where} ({name!r})"),
        nullable=nullable,
        metadata=dict(metadata) if isinstance(metadata, Mapping) else None,
    )


def _type(spec: Any, where: str) -> pa.DataType:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
        raise ValueError(f"{where}: a type must be an object such as {{'name': 'int64'}}")
    name: str = spec["name"]
    if name in _FLAT:
        return _FLAT[name]()
    if name in _UNITS:
        return _unit_type(name, spec, where)
    if name in ("decimal", "decimal128", "decimal256"):
        return _decimal(name, spec, where)
    if name in ("list", "large_list"):
        item = _list_item(spec, where)
        return pa.list_(item) if name == "list" else pa.large_list(item)
    if name == "struct":
        fields = spec.get("fields")
        if not isinstance(fields, list):
            raise ValueError(f"{where}: struct needs a 'fields' array")
        return pa.struct([_field(f, f"{where}.fields[{i}]") for i, f in enumerate(fields)])
    if name == "dictionary":
        index = _type(spec.get("index_type", {"name": "int32"}), f"{where}.index_type")
        value = _type(spec.get("value_type"), f"{where}.value_type")
        make: Any = pa.dictionary  # the stubs take only integer index types, not DataType
        dictionary: pa.DataType = make(index, value, ordered=bool(spec.get("ordered", False)))
        return dictionary
    hint = _DID_YOU_MEAN.get(name)
    suffix = f" (did you mean {hint!r}?)" if hint else ""
    raise ValueError(f"{where}: unknown Arrow type {name!r}{suffix}")


def _unit_type(name: str, spec: Mapping[str, Any], where: str) -> pa.DataType:
    unit = spec.get("unit")
    if unit not in _UNITS[name]:
        raise ValueError(f"{where}: {name} unit {unit!r} is not one of {', '.join(_UNITS[name])}")
    if name == "timestamp":
        return pa.timestamp(unit, tz=spec.get("timezone"))
    if name == "duration":
        return pa.duration(unit)
    return pa.time32(unit) if name == "time32" else pa.time64(unit)


def _decimal(name: str, spec: Mapping[str, Any], where: str) -> pa.DataType:
    precision, scale = spec.get("precision"), spec.get("scale", 0)
    widest = 38 if name == "decimal128" else 76
    if not isinstance(precision, int) or not 1 <= precision <= widest:
        raise ValueError(f"{where}: {name} precision must be an integer in 1..{widest}")
    if not isinstance(scale, int) or not 0 <= scale <= precision:
        raise ValueError(f"{where}: {name} scale must be an integer in 0..{precision}")
    if name == "decimal256" or precision > 38:
        return pa.decimal256(precision, scale)
    return pa.decimal128(precision, scale)


def _list_item(spec: Mapping[str, Any], where: str) -> pa.Field[Any]:
    if "item" in spec:
        return _field(spec["item"], f"{where}.item")
    if "value_type" in spec:
        return pa.field("item", _type(spec["value_type"], f"{where}.value_type"))
    raise ValueError(f"{where}: a list needs an 'item' field or a 'value_type'")


# -- the derived mapping --------------------------------------------------------------------


def _derive_properties(
    schema: Mapping[str, Any], root: Mapping[str, Any], seen: tuple[int, ...] = ()
) -> list[pa.Field[Any]]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return []
    required = set(schema.get("required") or ())
    fields = []
    for name in sorted(properties):
        data_type, admits_null = _derive(properties[name], root, seen, f"properties.{name}")
        fields.append(pa.field(name, data_type, nullable=admits_null or name not in required))
    return fields


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    """Follows local `$ref`s (at most `_MAX_DEPTH`); None for an unresolvable one."""
    for _ in range(_MAX_DEPTH):
        if not isinstance(schema, Mapping) or "$ref" not in schema:
            return schema
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#"):
            return None
        target: Any = root
        for part in filter(None, reference[1:].split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key) if isinstance(target, Mapping) else None
        schema = target
    return None


def _kinds(schema: Mapping[str, Any], where: str) -> list[str]:
    declared = schema.get("type")
    if declared is None and isinstance(schema.get("enum"), list):
        # An enum without a type is typed by its values when they are all strings.
        values = schema["enum"]
        return ["string"] if values and all(isinstance(v, str) for v in values) else []
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return []
    unknown = [n for n in names if n not in _JSON_TYPES]
    if unknown:
        raise ValueError(f"{where}: unknown JSON Schema type {unknown[0]!r}")
    return list(names)


def _derive(
    schema: Any, root: Mapping[str, Any], seen: tuple[int, ...], where: str
) -> tuple[pa.DataType, bool]:
    """The mapped type of a property schema and whether it admits null; `seen` holds the
    enclosing schemas: meeting one again is a recursive type, which Arrow cannot express."""
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping) or id(schema) in seen or len(seen) >= _MAX_DEPTH:
        return pa.string(), True
    kinds = _kinds(schema, where)
    admits_null = "null" in kinds or not kinds
    rest = [k for k in kinds if k != "null"] or (["null"] if kinds else [])
    if set(rest) == {"integer", "number"}:
        rest = ["number"]
    if len(rest) != 1:
        return pa.string(), True
    kind = rest[0]
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, Mapping):
            inner = (*seen, id(schema))
            item_type, item_null = _derive(items, root, inner, f"{where}.items")
            return pa.list_(pa.field("item", item_type, nullable=item_null)), admits_null
        return pa.list_(pa.string()), admits_null
    if kind == "object" and isinstance(schema.get("properties"), Mapping):
        return pa.struct(_derive_properties(schema, root, (*seen, id(schema)))), admits_null
    return _scalar(kind, schema.get("format")), admits_null


def _scalar(kind: str, fmt: Any) -> pa.DataType:
    if kind == "string" and fmt == "date-time":
        return pa.timestamp("us", tz="UTC")
    if kind == "string" and fmt == "date":
        return pa.date32()
    simple: dict[str, pa.DataType] = {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "null": pa.null(),
    }
    return simple.get(kind, pa.string())
