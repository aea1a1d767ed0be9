"""Tests of service.domain.documents: parsing, depth bound, canonical form, preparation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from service.domain.documents import (
    MAX_DEPTH,
    METADATA_KEYS,
    PreparedDocument,
    canonical_bytes,
    fingerprint,
    nesting_depth,
    parse_document,
    prepare,
    validator_schema,
)
from service.domain.errors import InvalidDocument, InvalidSchema, InvalidSchemaId, InvalidVersion
from service.domain.versions import Version

Ticks = Callable[[str], dict[str, Any]]
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def nested_objects(depth: int) -> bytes:
    """`{"a":{"a":…{}…}}` with `depth` levels, the top-level object included."""
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


# -- depth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"", 0),
        (b"1", 0),
        (b"{}", 1),
        (b"[[], {}]", 2),
        (b'{"a": [{"b": [1]}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[[", "b": "\\\\", "c": [1]}', 2),
        (b'["\\\\\\"[[["]', 1),
        (b'{"k[[": {"v": "}}}}"}}', 2),
    ],
)
def test_nesting_depth_ignores_brackets_in_strings(body: bytes, depth: int) -> None:
    assert nesting_depth(body) == depth


def test_depth_64_is_accepted_and_65_rejected() -> None:
    assert nesting_depth(nested_objects(MAX_DEPTH)) == MAX_DEPTH
    assert isinstance(parse_document(nested_objects(MAX_DEPTH)), dict)
    with pytest.raises(InvalidDocument, match="JSON nested deeper than 64 levels"):
        parse_document(nested_objects(MAX_DEPTH + 1))
    arrays = b'{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert len(parse_document(arrays)) == 1
    with pytest.raises(InvalidDocument, match="deeper than 64"):
        parse_document(b'{"a":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}")


@pytest.mark.parametrize(
    "body",
    [
        nested_objects(10_000),
        b"[" * 10_000,
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' + b"[" * 1_000_000,
    ],
)
def test_very_deep_json_is_rejected_without_recursion(body: bytes) -> None:
    # orjson and Python's json would raise RecursionError or their own limit errors here.
    with pytest.raises(InvalidDocument, match="deeper than 64"):
        parse_document(body)


def test_unterminated_strings_do_not_hang_the_scan() -> None:
    # A quadratic string regex would take minutes on this.
    body = b'{"a": "' + b'\\"' * 500_000
    with pytest.raises(InvalidDocument, match="invalid JSON"):
        parse_document(body)


# -- parsing -------------------------------------------------------------------------------


def test_parse_returns_the_object() -> None:
    assert parse_document(b' {"type": "object", "title": "\xc3\xa9"} ') == {
        "type": "object",
        "title": "é",
    }


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "invalid JSON"),
        (b"{", "invalid JSON"),
        (b"{'a': 1}", "invalid JSON"),
        (b'{"a": NaN}', "invalid JSON"),
        (b'{"a": 1} trailing', "invalid JSON"),
        (b'{"a": "\xff"}', "invalid JSON"),
        (b"\x00", "invalid JSON"),
        (b'{"a": "b\x00"}', "invalid JSON"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b'{"a": 1e400}', "infinity"),
        (b"[]", "must be a JSON object, found an array"),
        (b'"text"', "found a string"),
        (b"null", "found null"),
        (b"42", "found a number"),
        (b"true", "found a boolean"),
    ],
)
def test_parse_rejects_non_objects_and_bad_json(body: bytes, says: str) -> None:
    with pytest.raises(InvalidDocument, match=says) as caught:
        parse_document(body)
    assert caught.value.code == "invalid_document"


# -- canonical form ------------------------------------------------------------------------


def test_canonical_bytes_sort_keys_and_drop_whitespace() -> None:
    a = {"b": 1, "a": {"d": [1, 2], "c": "é"}}
    b = {"a": {"c": "é", "d": [1, 2]}, "b": 1}
    assert canonical_bytes(a) == canonical_bytes(b) == '{"a":{"c":"é","d":[1,2]},"b":1}'.encode()


def test_fingerprint_is_sha256_of_canonical_bytes() -> None:
    canonical = canonical_bytes({"type": "object"})
    assert fingerprint(canonical) == hashlib.sha256(b'{"type":"object"}').hexdigest()
    assert len(fingerprint(b"")) == 64


def _deep_dict(depth: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for _ in range(depth - 1):
        doc = {"a": doc}
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        {1: "non-str key"},
        {("tuple",): 1},
        {"a": {"b": {2: 3}}},
        {"a": "\ud800"},
        {"\udfff": 1},
        {"a": 2**64},
        {"a": object()},
        _deep_dict(300),
    ],
)
def test_canonical_bytes_refuse_what_json_cannot_hold(doc: dict[Any, Any]) -> None:
    with pytest.raises(InvalidDocument, match="cannot be encoded as JSON"):
        canonical_bytes(doc)


def test_validator_schema_strips_registry_metadata(ticks: Ticks) -> None:
    doc = ticks("1.0.0")
    doc["$schema"] = DRAFT_07
    stripped = validator_schema(doc)
    assert not METADATA_KEYS & stripped.keys()
    assert stripped["properties"] == doc["properties"]
    assert {"title", "type", "properties", "required", "additionalProperties"} == set(stripped)
    assert "arrow" in doc  # the input is left alone


# -- prepare -------------------------------------------------------------------------------


def test_prepare_fills_id_and_version_from_the_request(ticks: Ticks) -> None:
    doc = ticks("1.0.0")
    del doc["id"], doc["version"]
    prepared = prepare("ticks_v1", "1.0.0", doc)
    assert isinstance(prepared, PreparedDocument)
    assert prepared.schema_id == "ticks_v1"
    assert prepared.version == Version(1, 0, 0)
    assert prepared.document["id"] == "ticks_v1"
    assert prepared.document["version"] == "1.0.0"
    assert "id" not in doc  # the caller's dict is not modified
    assert prepared.canonical == canonical_bytes(prepared.document)
    assert prepared.fingerprint == fingerprint(prepared.canonical)
    assert prepared == prepare("ticks_v1", "1.0.0", ticks("1.0.0"))


def test_prepare_takes_the_version_from_the_body(ticks: Ticks) -> None:
    prepared = prepare("ticks_v1", None, ticks("1.1.0"))
    assert prepared.version == Version(1, 1, 0)
    assert prepare("ticks_v1", Version(1, 1, 0), ticks("1.1.0")) == prepared


def test_fingerprint_ignores_key_order_and_whitespace(ticks: Ticks) -> None:
    doc = ticks("1.2.0")
    reordered = orjson.loads(
        orjson.dumps(dict(reversed(list(doc.items()))), option=orjson.OPT_INDENT_2)
    )
    assert (
        prepare("ticks_v1", None, doc).fingerprint
        == prepare("ticks_v1", None, reordered).fingerprint
    )


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0", "1.2.0", "2.0.0"])
def test_reference_documents_prepare_cleanly(ticks: Ticks, version: str) -> None:
    prepared = prepare("ticks_v1", version, ticks(version))
    assert str(prepared.version) == version
    assert prepared.document == ticks(version)


def test_prepare_refuses_an_id_that_differs_from_the_path(ticks: Ticks) -> None:
    with pytest.raises(InvalidDocument) as caught:
        prepare("quotes_v1", "1.0.0", ticks("1.0.0"))
    assert "'ticks_v1'" in caught.value.message
    assert "'quotes_v1'" in caught.value.message
    assert caught.value.details == {"document": "ticks_v1", "path": "quotes_v1"}


def test_prepare_refuses_a_version_that_differs_from_the_request(ticks: Ticks) -> None:
    with pytest.raises(InvalidDocument) as caught:
        prepare("ticks_v1", "1.0.1", ticks("1.0.0"))
    assert "'1.0.0'" in caught.value.message
    assert "'1.0.1'" in caught.value.message


@pytest.mark.parametrize(
    ("schema_id", "version", "changes", "error", "says"),
    [
        ("ticks/v1", "1.0.0", {}, InvalidSchemaId, "'/'"),
        ("ticks_v1\n", "1.0.0", {}, InvalidSchemaId, "U+000A"),
        ("x" * 10_000, "1.0.0", {}, InvalidSchemaId, "10000 characters"),
        ("ticks_v1", "1.0", {}, InvalidVersion, "MAJOR.MINOR.PATCH"),
        ("ticks_v1", "v1.0.0", {}, InvalidVersion, "MAJOR.MINOR.PATCH"),
        ("ticks_v1", None, {"version": "1.0.0-rc1"}, InvalidVersion, "'1.0.0-rc1'"),
        ("ticks_v1", None, {"version": "\uff11.0.0"}, InvalidVersion, "MAJOR"),
        ("ticks_v1", None, {"version": None}, InvalidDocument, "no 'version'"),
        ("ticks_v1", None, {"version": 1}, InvalidDocument, "'version' in the document must"),
        ("ticks_v1", "1.0.0", {"id": 7}, InvalidDocument, "'id' in the document must be"),
        ("ticks_v1", "1.0.0", {"id": "ticks_v1\x00"}, InvalidDocument, "'ticks_v1\\x00'"),
        ("ticks_v1", "1.0.0", {"id": "x" * 10_000}, InvalidDocument, "(10000 characters)"),
        ("ticks_v1", "1.0.0", {"$schema": 4}, InvalidDocument, "'$schema' in the document"),
        ("ticks_v1", "1.0.0", {"$schema": DRAFT_07[:-1]}, InvalidDocument, "synonyms"),
    ],
)
def test_prepare_refuses_bad_metadata(
    ticks: Ticks,
    schema_id: str,
    version: str | None,
    changes: dict[str, Any],
    error: type[Exception],
    says: str,
) -> None:
    doc = ticks("1.0.0")
    del doc["version"]
    doc.update(changes)
    with pytest.raises(error, match=None) as caught:
        prepare(schema_id, version, doc)
    assert says in str(caught.value)
    assert len(str(caught.value)) < 600


def test_dollar_schema_is_stored_as_schema_version(ticks: Ticks) -> None:
    plain = prepare("ticks_v1", None, ticks("1.0.0"))
    doc = ticks("1.0.0")
    doc["$schema"] = doc.pop("schema_version")
    synonym = prepare("ticks_v1", None, doc)
    assert "$schema" not in synonym.document
    assert synonym.document["schema_version"] == DRAFT_07
    assert synonym.fingerprint == plain.fingerprint
    both = ticks("1.0.0")
    both["$schema"] = DRAFT_07
    assert prepare("ticks_v1", None, both).fingerprint == plain.fingerprint


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"$schema": "http://json-schema.org/draft-04/schema#"}, "only JSON Schema draft-07"),
        ({"schema_version": "https://example.com/mine"}, "draft-07"),
        ({"type": 5}, "type at #/type"),
        ({"properties": {"a": {"$ref": "https://example.com/a.json"}}}, "remote $ref"),
        ({"properties": {"a": {"pattern": "("}}}, "pattern"),
        ({"arrow": {"fields": [{"name": "nope", "type": {"name": "utf8"}}]}}, "nope"),
    ],
)
def test_prepare_reports_check_document_problems(
    ticks: Ticks, changes: dict[str, Any], says: str
) -> None:
    doc = ticks("1.0.0")
    doc.update(changes)
    if "$schema" in changes:
        del doc["schema_version"]
    with pytest.raises(InvalidSchema) as caught:
        prepare("ticks_v1", None, doc)
    assert caught.value.code == "invalid_schema"
    assert any(says in problem for problem in caught.value.problems)
    assert caught.value.details["problems"] == caught.value.problems


def test_prepare_bounds_depth_of_dicts_too() -> None:
    doc: dict[str, Any] = {"type": "object", "properties": {"a": _deep_dict(MAX_DEPTH)}}
    with pytest.raises(InvalidDocument, match="deeper than 64"):
        prepare("deep", "1.0.0", doc)


def test_prepare_refuses_non_objects() -> None:
    with pytest.raises(InvalidDocument, match="must be a JSON object"):
        prepare("ticks_v1", "1.0.0", ["not", "a", "dict"])  # type: ignore[arg-type]


def test_null_metadata_counts_as_absent(ticks: Ticks) -> None:
    doc = ticks("1.0.0")
    doc.update({"id": None, "$schema": None})
    prepared = prepare("ticks_v1", None, doc)
    assert prepared.document["id"] == "ticks_v1"
    assert "$schema" not in prepared.document
    assert prepared.document["schema_version"] == DRAFT_07
