"""service/ui/fields.py: the field table built from a document."""

from __future__ import annotations

from service.ui.fields import FieldRow, arrow_type, constraints, field_rows, json_type
from tests.ui.conftest import tick


def test_field_rows_join_properties_required_and_arrow() -> None:
    rows = {row.name: row for row in field_rows(tick("1.0.0"))}
    assert list(rows) == ["ts", "symbol", "price", "size", "side"]
    assert rows["ts"] == FieldRow(
        "ts", "string", ("format: date-time",), True, "timestamp(unit=us)", True
    )
    assert rows["side"].constraints == ("enum: B, S",)
    assert rows["side"].required is False
    assert rows["price"].arrow_type == "float64"


def test_nullable_comes_from_arrow_and_defaults_to_true() -> None:
    doc = tick("1.0.0")
    doc["arrow"]["fields"][0]["nullable"] = False
    rows = field_rows(doc)
    assert [row.nullable for row in rows] == [False, True, True, True, True]


def test_without_an_arrow_block_the_arrow_columns_are_empty() -> None:
    doc = tick("1.0.0")
    del doc["arrow"]
    assert {(row.arrow_type, row.nullable) for row in field_rows(doc)} == {(None, None)}


def test_json_types() -> None:
    assert json_type({"type": ["number", "null"]}) == "number | null"
    assert json_type({"type": "array", "items": {"type": "string"}}) == "array<string>"
    assert json_type({"$ref": "#/definitions/px"}) == "$ref #/definitions/px"
    assert json_type({"oneOf": [{"type": "string"}]}) == "oneOf"
    assert json_type({"enum": [1]}) == "enum"
    assert json_type(True) == "any"
    assert json_type(False) == "never"


def test_constraints_in_table_order() -> None:
    prop = {"maximum": 10, "minimum": 0, "format": "int", "const": True, "pattern": " x"}
    assert constraints(prop) == (
        "format: int",
        "const: true",
        "minimum: 0",
        "maximum: 10",
        "pattern: ' x'",
    )
    assert constraints({"enum": ["", None, 1.5]}) == ("enum: '', null, 1.5",)


def test_arrow_type_parameters_and_nesting() -> None:
    assert arrow_type({"name": "decimal128", "precision": 18, "scale": 6}) == (
        "decimal128(precision=18, scale=6)"
    )
    assert arrow_type({"name": "list", "item": {"name": "utf8"}}) == "list(item=utf8)"


def test_documents_without_properties_have_no_rows() -> None:
    assert field_rows({"type": "string"}) == []
    assert field_rows({"properties": []}) == []
