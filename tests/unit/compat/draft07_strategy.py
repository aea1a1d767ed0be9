"""Hypothesis strategies for random draft-07 schemas and for pairs of related schemas."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

Schema = dict[str, Any]
Path = tuple[str | int, ...]

DEFINITION_NAMES = ("a", "b")
_NAMES = st.sampled_from(["foo", "bar", "baz", "qux", "x_one", "y2"])
_PATTERNS = st.sampled_from(["^x_", "^y", "[0-9]$"])
_STRING_PATTERNS = st.sampled_from(["^[A-Z]+$", "^[a-z0-9]*$", "x"])
_FORMATS = st.sampled_from(["date-time", "date", "email", "uuid"])
_SMALL = st.integers(min_value=0, max_value=20)
_BOUND = st.integers(min_value=-50, max_value=50)
_ANNOTATIONS = {"title": st.text(max_size=8), "description": st.text(max_size=12)}


def _numeric() -> st.SearchStrategy[Schema]:
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={
            "minimum": _BOUND,
            "maximum": _BOUND,
            "exclusiveMinimum": _BOUND,
            "exclusiveMaximum": _BOUND,
            "multipleOf": st.sampled_from([1, 2, 3, 5, 10]),
            "enum": st.lists(_BOUND, min_size=1, max_size=4, unique=True),
            "default": _BOUND,
            **_ANNOTATIONS,
        },
    )


def _string() -> st.SearchStrategy[Schema]:
    return st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "minLength": _SMALL,
            "maxLength": _SMALL,
            "pattern": _STRING_PATTERNS,
            "format": _FORMATS,
            "enum": st.lists(st.sampled_from(["B", "S", "X", ""]), min_size=1, unique=True),
            "const": st.sampled_from(["B", "S"]),
            **_ANNOTATIONS,
        },
    )


def _plain_leaf() -> st.SearchStrategy[Any]:
    types = ["null", "boolean", "integer", "number", "string", "array", "object"]
    return st.one_of(
        _numeric(),
        _string(),
        st.fixed_dictionaries({"type": st.sampled_from(["null", "boolean"])}),
        st.fixed_dictionaries(
            {"type": st.lists(st.sampled_from(types), min_size=1, max_size=3, unique=True)}
        ),
        st.just({}),
        st.booleans(),
    )


def definition_schemas() -> st.SearchStrategy[Any]:
    """What `definitions` hold: leaves without `$ref`, so reference graphs stay acyclic."""
    return _plain_leaf()


def leaf_schemas() -> st.SearchStrategy[Any]:
    """Schemas without subschemas: typed scalars with bounds, enums, `{}`, booleans, refs."""
    refs = st.sampled_from([f"#/definitions/{name}" for name in DEFINITION_NAMES])
    return st.one_of(_plain_leaf(), st.fixed_dictionaries({"$ref": refs}))


def _object(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Schema]:
    return st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(_NAMES, children, max_size=4),
        },
        optional={
            "required": st.lists(_NAMES, max_size=3, unique=True),
            "additionalProperties": st.one_of(st.booleans(), children),
            "patternProperties": st.dictionaries(_PATTERNS, children, max_size=2),
            "minProperties": _SMALL,
            "maxProperties": _SMALL,
            "dependencies": st.dictionaries(
                _NAMES, st.one_of(st.lists(_NAMES, max_size=2, unique=True), children), max_size=2
            ),
            **_ANNOTATIONS,
        },
    )


def _array(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Schema]:
    return st.fixed_dictionaries(
        {
            "type": st.just("array"),
            "items": st.one_of(children, st.lists(children, min_size=1, max_size=3)),
        },
        optional={
            "additionalItems": st.one_of(st.booleans(), children),
            "minItems": _SMALL,
            "maxItems": _SMALL,
            "uniqueItems": st.booleans(),
        },
    )


def _combined(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Schema]:
    keyword = st.sampled_from(["allOf", "anyOf", "oneOf"])
    branches = st.lists(children, min_size=1, max_size=3)
    return st.builds(lambda key, value: {key: value}, keyword, branches)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        _object(children),
        _array(children),
        _combined(children),
        st.fixed_dictionaries({"not": children}),
    )


def subschemas() -> st.SearchStrategy[Any]:
    """Any subschema, nested a few levels."""
    return _SUBSCHEMAS


def _with_definitions(body: Schema, definitions: Schema) -> Schema:
    return {**body, "definitions": definitions}


# Built once: constructing strategies inside every draw costs more than drawing from them.
_SUBSCHEMAS = st.recursive(leaf_schemas(), _extend, max_leaves=8)
_DEFINITION = definition_schemas()
_DEFINITIONS = st.fixed_dictionaries({name: _DEFINITION for name in DEFINITION_NAMES})
_ROOTS = st.builds(
    _with_definitions,
    st.one_of(_object(_SUBSCHEMAS), _SUBSCHEMAS.filter(lambda schema: isinstance(schema, dict))),
    _DEFINITIONS,
)


def root_schemas() -> st.SearchStrategy[Schema]:
    """A draft-07 root: an object or other schema plus local `definitions` for the refs."""
    return _ROOTS


def _subschema_paths(node: Any, path: Path = ()) -> list[Path]:
    """Locations of every dict subschema inside `node`, the root included."""
    if not isinstance(node, dict):
        return []
    found = [path]
    for key in ("properties", "patternProperties", "definitions", "dependencies"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                found += _subschema_paths(child, (*path, key, name))
    for key in ("items", "additionalItems", "additionalProperties", "not"):
        found += _subschema_paths(node.get(key), (*path, key))
    for key in ("items", "allOf", "anyOf", "oneOf"):
        children = node.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                found += _subschema_paths(child, (*path, key, index))
    return found


def _at(root: Schema, path: Path) -> Any:
    node: Any = root
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated(draw: st.DrawFn, original: Schema) -> Schema:
    """`original` with one subschema replaced, one keyword dropped or one annotation changed."""
    result = copy.deepcopy(original)
    path = draw(st.sampled_from(_subschema_paths(result)))
    node = _at(result, path)
    action = draw(st.sampled_from(["replace", "drop", "annotate"]))
    if action == "replace" and path:
        in_definitions = path[0] == "definitions"
        replacement = _DEFINITION if in_definitions else _SUBSCHEMAS
        _at(result, path[:-1])[path[-1]] = draw(replacement)
    elif action == "drop" and [k for k in node if k != "definitions"]:
        del node[draw(st.sampled_from(sorted(k for k in node if k != "definitions")))]
    else:
        node[draw(st.sampled_from(["title", "description"]))] = draw(st.text(max_size=6))
    return result


@st.composite
def schema_pairs(draw: st.DrawFn) -> tuple[Schema, Schema]:
    """(old, new): identical, related by one or two edits, or unrelated."""
    old = draw(root_schemas())
    how = draw(st.sampled_from(["same", "one-edit", "one-edit", "two-edits", "unrelated"]))
    if how == "same":
        return old, copy.deepcopy(old)
    if how == "unrelated":
        return old, draw(root_schemas())
    new = draw(mutated(old))
    if how == "two-edits":
        new = draw(mutated(new))
    return old, new
