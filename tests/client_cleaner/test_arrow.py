"""registry_client.arrow: the arrow block and the derived mapping as pyarrow schemas."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from registry_client.arrow import to_arrow_schema
from tests.api.conftest import tick


def test_the_arrow_block_of_ticks() -> None:
    schema = to_arrow_schema(tick("1.1.0"))
    expected: list[tuple[str, pa.DataType]] = [
        ("ts", pa.timestamp("us")),
        ("symbol", pa.string()),
        ("price", pa.float64()),
        ("size", pa.int32()),
        ("side", pa.string()),
        ("exchange_id", pa.int32()),
    ]
    assert schema == pa.schema(expected)
    assert all(field.nullable for field in schema)


def test_every_block_type_and_parameter() -> None:
    fields: list[dict[str, Any]] = [
        {"name": "d", "type": {"name": "decimal", "precision": 10, "scale": 2}},
        {"name": "w", "type": {"name": "decimal", "precision": 50}},
        {"name": "t", "type": {"name": "timestamp", "unit": "ns", "timezone": "UTC"}},
        {"name": "l", "type": {"name": "list", "value_type": {"name": "int16"}}},
        {
            "name": "s",
            "type": {"name": "struct", "fields": [{"name": "x", "type": {"name": "bool"}}]},
            "nullable": False,
        },
        {"name": "k", "type": {"name": "dictionary", "value_type": {"name": "utf8"}}},
        {"name": "h", "type": {"name": "time64", "unit": "ns"}},
        {
            "name": "u",
            "type": {"name": "large_list", "item": {"name": "v", "type": {"name": "date32"}}},
        },
    ]
    schema = to_arrow_schema({"arrow": {"fields": fields}})
    assert [f.type for f in schema] == [
        pa.decimal128(10, 2),
        pa.decimal256(50, 0),
        pa.timestamp("ns", tz="UTC"),
        pa.list_(pa.int16()),
        pa.struct([("x", pa.bool_())]),
        pa.dictionary(pa.int32(), pa.string()),
        pa.time64("ns"),
        pa.large_list(pa.field("v", pa.date32())),
    ]
    assert not schema.field("s").nullable


@pytest.mark.parametrize(
    ("type_", "message"),
    [
        ({"name": "string"}, "unknown Arrow type 'string' (did you mean 'utf8'?)"),
        ({"name": "varchar"}, "unknown Arrow type 'varchar'"),
        ({"name": "timestamp", "unit": "h"}, "timestamp unit 'h'"),
        ({"name": "decimal128", "precision": 39}, "precision must be an integer in 1..38"),
        ({"name": "list"}, "needs an 'item' field or a 'value_type'"),
        ("int64", "a type must be an object"),
    ],
)
def test_unknown_types_are_value_errors_naming_the_field(type_: Any, message: str) -> None:
    with pytest.raises(ValueError, match="price") as raised:
        to_arrow_schema({"arrow": {"fields": [{"name": "price", "type": type_}]}})
    assert message in str(raised.value)


def test_derived_mapping_matches_the_registry_engine() -> None:
    document = tick("1.1.0")
    del document["arrow"]
    document["properties"] |= {
        "day": {"type": "string", "format": "date"},
        "flags": {"type": "array", "items": {"type": "boolean"}},
        "venue": {"type": "object", "properties": {"mic": {"type": "string"}}},
        "blob": {"type": "object"},
        "either": {"type": ["string", "integer"]},
        "maybe": {"type": ["number", "null"]},
        "ref": {"$ref": "#/definitions/qty"},
    }
    document["definitions"] = {"qty": {"type": "integer"}}
    document["required"] += ["maybe"]
    schema = to_arrow_schema(document)
    assert schema.names == sorted(schema.names)
    types = {field.name: field.type for field in schema}
    assert types == {
        "blob": pa.string(),
        "day": pa.date32(),
        "either": pa.string(),
        "exchange_id": pa.int64(),
        "flags": pa.list_(pa.field("item", pa.bool_(), nullable=False)),
        "maybe": pa.float64(),
        "price": pa.float64(),
        "ref": pa.int64(),
        "side": pa.string(),
        "size": pa.int64(),
        "symbol": pa.string(),
        "ts": pa.timestamp("us", tz="UTC"),
        "venue": pa.struct([("mic", pa.string())]),
    }
    nullable = {field.name for field in schema if field.nullable}
    assert {"ts", "symbol", "price", "size"}.isdisjoint(nullable)
    assert {"maybe", "side", "exchange_id"} <= nullable


def test_recursive_refs_end_as_text() -> None:
    document = {
        "properties": {"node": {"$ref": "#/definitions/node"}},
        "definitions": {
            "node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/node"}}}
        },
    }
    schema = to_arrow_schema(document)
    assert schema.field("node").type == pa.struct([("next", pa.string())])


def test_an_unknown_json_type_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown JSON Schema type 'text'"):
        to_arrow_schema({"properties": {"a": {"type": "text"}}})
