"""Edits of the DESIGN §3 tick schema, paired old → new, for the semantic oracle."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.compat.tick_document import tick_schema

Schema = dict[str, Any]
Edit = Callable[[Schema], None]


@dataclass(frozen=True)
class MutationPair:
    """One generated schema evolution: `old` is published, `new` is proposed."""

    name: str
    old: Schema
    new: Schema


def _parent(schema: Schema, path: str) -> tuple[dict[str, Any], str]:
    *parents, last = path.split("/")
    node = schema
    for part in parents:
        node = node.setdefault(part, {})
    return node, last


def _set(path: str, value: Any) -> Edit:
    def edit(schema: Schema) -> None:
        node, key = _parent(schema, path)
        node[key] = copy.deepcopy(value)

    return edit


def _delete(path: str) -> Edit:
    def edit(schema: Schema) -> None:
        node, key = _parent(schema, path)
        node.pop(key, None)

    return edit


def _require(name: str) -> Edit:
    def edit(schema: Schema) -> None:
        required = schema.setdefault("required", [])
        if name not in required:
            required.append(name)

    return edit


def _unrequire(name: str) -> Edit:
    def edit(schema: Schema) -> None:
        schema["required"] = [other for other in schema.get("required", []) if other != name]

    return edit


def _drop(name: str) -> Edit:
    return _chain(_delete(f"properties/{name}"), _unrequire(name))


def _chain(*edits: Edit) -> Edit:
    def edit(schema: Schema) -> None:
        for one in edits:
            one(schema)

    return edit


def _wrap_in_all_of(schema: Schema) -> None:
    inner = dict(schema)
    schema.clear()
    schema["allOf"] = [inner]


META: Schema = {
    "type": "object",
    "properties": {"source": {"type": "string"}},
    "additionalProperties": False,
}
CONDITIONS: Schema = {"type": "array", "items": {"type": "string"}}
_VENUE = {"type": "string"}
_VENUE_DEFAULT = {"type": "string", "default": "XNAS"}

SINGLE_EDITS: dict[str, Edit] = {
    "add optional venue": _set("properties/venue", _VENUE),
    "add optional venue with default": _set("properties/venue", _VENUE_DEFAULT),
    "add optional empty-schema venue": _set("properties/venue", {}),
    "add required venue": _chain(_set("properties/venue", _VENUE), _require("venue")),
    "add required venue with default": _chain(
        _set("properties/venue", _VENUE_DEFAULT), _require("venue")
    ),
    "require side": _require("side"),
    "require side with default": _chain(_set("properties/side/default", "B"), _require("side")),
    "default on side": _set("properties/side/default", "B"),
    "drop side": _drop("side"),
    "drop price": _drop("price"),
    "unrequire price": _unrequire("price"),
    "size integer to number": _set("properties/size/type", "number"),
    "price number to integer": _set("properties/price/type", "integer"),
    "symbol string to integer": _set("properties/symbol/type", "integer"),
    "size integer to string": _set("properties/size/type", "string"),
    "size nullable": _set("properties/size/type", ["integer", "null"]),
    "price nullable": _set("properties/price/type", ["number", "null"]),
    "side enum extended": _set("properties/side/enum", ["B", "S", "X"]),
    "side enum narrowed": _set("properties/side/enum", ["B"]),
    "side enum changed": _set("properties/side/enum", ["B", "X"]),
    "side enum dropped": _delete("properties/side/enum"),
    "side const": _chain(_delete("properties/side/enum"), _set("properties/side/const", "B")),
    "price minimum": _set("properties/price/minimum", 0),
    "price exclusiveMinimum": _set("properties/price/exclusiveMinimum", 0),
    "price maximum": _set("properties/price/maximum", 1_000_000),
    "price exclusiveMaximum": _set("properties/price/exclusiveMaximum", 1_000_000),
    "size minimum": _set("properties/size/minimum", 1),
    "size maximum": _set("properties/size/maximum", 1000),
    "size multipleOf": _set("properties/size/multipleOf", 100),
    "symbol minLength": _set("properties/symbol/minLength", 1),
    "symbol maxLength": _set("properties/symbol/maxLength", 12),
    "symbol pattern": _set("properties/symbol/pattern", "^[A-Z]+$"),
    "symbol format": _set("properties/symbol/format", "uuid"),
    "ts format dropped": _delete("properties/ts/format"),
    "ts format date": _set("properties/ts/format", "date"),
    "open content model": _delete("additionalProperties"),
    "additionalProperties schema": _set("additionalProperties", {"type": "string"}),
    "patternProperties": _set("patternProperties", {"^x_": {"type": "string"}}),
    "price anyOf null": _set("properties/price", {"anyOf": [{"type": "number"}, {"type": "null"}]}),
    "price oneOf null": _set("properties/price", {"oneOf": [{"type": "number"}, {"type": "null"}]}),
    # Integers match both branches, so every old size fails the new oneOf.
    "size oneOf overlapping": _set(
        "properties/size", {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    ),
    "price allOf": _set("properties/price", {"allOf": [{"type": "number"}]}),
    "price allOf with minimum": _set(
        "properties/price", {"allOf": [{"type": "number"}, {"minimum": 0}]}
    ),
    "root allOf wrapper": _wrap_in_all_of,
    "side not S": _set("properties/side/not", {"const": "S"}),
    "size not zero": _set("properties/size/not", {"const": 0}),
    "title changed": _set("title", "Ticks"),
    "price description": _set("properties/price/description", "last trade price"),
    "price via definitions": _chain(
        _set("definitions", {"price": {"type": "number"}}),
        _set("properties/price", {"$ref": "#/definitions/price"}),
    ),
    "maxProperties": _set("maxProperties", 4),
    "minProperties": _set("minProperties", 4),
    "dependency side needs size": _set("dependencies", {"side": ["size"]}),
    "dependency side needs venue": _set("dependencies", {"side": ["venue"]}),
    "add meta object": _set("properties/meta", META),
    "add conditions array": _set("properties/conditions", CONDITIONS),
}

_META_WITH_FEED = {**META, "properties": {"source": {"type": "string"}, "feed": {"type": "string"}}}
_CONDITION_ENUM = {"type": "string", "enum": ["regular", "odd-lot"]}

# (name, edit A, edit B): both A → B and B → A are checked.
LADDERS: tuple[tuple[str, Edit, Edit], ...] = (
    (
        "price minimum 0 -> 1",
        _set("properties/price/minimum", 0),
        _set("properties/price/minimum", 1),
    ),
    (
        "price maximum 100 -> 1000",
        _set("properties/price/maximum", 100),
        _set("properties/price/maximum", 1000),
    ),
    (
        "price exclusiveMinimum 0 -> 1",
        _set("properties/price/exclusiveMinimum", 0),
        _set("properties/price/exclusiveMinimum", 1),
    ),
    (
        "price exclusiveMaximum 100 -> 1000",
        _set("properties/price/exclusiveMaximum", 100),
        _set("properties/price/exclusiveMaximum", 1000),
    ),
    (
        "size multipleOf 10 -> 5",
        _set("properties/size/multipleOf", 10),
        _set("properties/size/multipleOf", 5),
    ),
    (
        "size multipleOf 10 -> 3",
        _set("properties/size/multipleOf", 10),
        _set("properties/size/multipleOf", 3),
    ),
    (
        "symbol minLength 1 -> 2",
        _set("properties/symbol/minLength", 1),
        _set("properties/symbol/minLength", 2),
    ),
    (
        "symbol maxLength 8 -> 12",
        _set("properties/symbol/maxLength", 8),
        _set("properties/symbol/maxLength", 12),
    ),
    (
        "symbol pattern widened",
        _set("properties/symbol/pattern", "^[A-Z]+$"),
        _set("properties/symbol/pattern", "^[A-Z.]+$"),
    ),
    ("maxProperties 5 -> 6", _set("maxProperties", 5), _set("maxProperties", 6)),
    ("minProperties 4 -> 5", _set("minProperties", 4), _set("minProperties", 5)),
    (
        "meta source required",
        _set("properties/meta", META),
        _chain(_set("properties/meta", META), _set("properties/meta/required", ["source"])),
    ),
    (
        "meta gains optional feed",
        _set("properties/meta", META),
        _set("properties/meta", _META_WITH_FEED),
    ),
    (
        "meta source to integer",
        _set("properties/meta", META),
        _chain(
            _set("properties/meta", META), _set("properties/meta/properties/source/type", "integer")
        ),
    ),
    (
        "meta opened",
        _set("properties/meta", META),
        _chain(_set("properties/meta", META), _delete("properties/meta/additionalProperties")),
    ),
    (
        "meta source required with default",
        _set("properties/meta", META),
        _chain(
            _set("properties/meta", META),
            _set("properties/meta/properties/source/default", "sip"),
            _set("properties/meta/required", ["source"]),
        ),
    ),
    (
        "conditions items enum",
        _set("properties/conditions", CONDITIONS),
        _set("properties/conditions", {**CONDITIONS, "items": _CONDITION_ENUM}),
    ),
    (
        "conditions maxItems",
        _set("properties/conditions", CONDITIONS),
        _set("properties/conditions", {**CONDITIONS, "maxItems": 3}),
    ),
    (
        "conditions minItems",
        _set("properties/conditions", CONDITIONS),
        _set("properties/conditions", {**CONDITIONS, "minItems": 1}),
    ),
    (
        "conditions uniqueItems",
        _set("properties/conditions", CONDITIONS),
        _set("properties/conditions", {**CONDITIONS, "uniqueItems": True}),
    ),
    (
        "conditions items nullable",
        _set("properties/conditions", CONDITIONS),
        _set("properties/conditions", {**CONDITIONS, "items": {"type": ["string", "null"]}}),
    ),
    (
        "conditions tuple closed",
        _set("properties/conditions", CONDITIONS),
        _set(
            "properties/conditions",
            {"type": "array", "items": [{"type": "string"}], "additionalItems": False},
        ),
    ),
)

COMBINABLE = (
    "add optional venue",
    "require side",
    "unrequire price",
    "size integer to number",
    "price nullable",
    "side enum extended",
    "side enum narrowed",
    "price minimum",
    "symbol maxLength",
    "open content model",
    "price oneOf null",
    "title changed",
    "add meta object",
    "drop side",
)


def _apply(base: Schema, *edits: Edit) -> Schema:
    schema = copy.deepcopy(base)
    for edit in edits:
        edit(schema)
    return schema


def tick_mutation_pairs() -> list[MutationPair]:
    """Single edits both ways, bound ladders both ways, and every two-edit combination."""
    base = tick_schema()
    pairs: list[MutationPair] = []
    for name, edit in SINGLE_EDITS.items():
        variant = _apply(base, edit)
        pairs += [MutationPair(name, base, variant), MutationPair(f"undo {name}", variant, base)]
    for name, first, second in LADDERS:
        lower, upper = _apply(base, first), _apply(base, second)
        pairs += [MutationPair(name, lower, upper), MutationPair(f"undo {name}", upper, lower)]
    for one, other in itertools.combinations(COMBINABLE, 2):
        combined = _apply(base, SINGLE_EDITS[one], SINGLE_EDITS[other])
        pairs.append(MutationPair(f"{one} + {other}", base, combined))
    return pairs
