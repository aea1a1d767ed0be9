"""Registry documents: parsing with a depth bound, canonical bytes, fingerprints, preparation."""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass
from itertools import accumulate, count
from typing import Any

import orjson

import compat_rs
from service.domain.errors import InvalidDocument, InvalidSchema, json_kind, shown
from service.domain.ids import validate_schema_id
from service.domain.versions import Version

MAX_DEPTH = 64

# Registry metadata, never part of the JSON Schema a validator compiles (DESIGN §3).
METADATA_KEYS = frozenset({"id", "version", "schema_version", "$schema", "arrow"})

# The depth scan, in C-level passes only: drop escape sequences (so every remaining quote
# delimits a string), drop string contents, keep brackets as 2 (open) or 0 (close). The depth
# after n brackets is then their running sum minus n.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A validated document ready to publish: its id, version, canonical bytes and fingerprint."""

    schema_id: str
    version: Version
    document: dict[str, Any]
    canonical: bytes
    fingerprint: str


def nesting_depth(body: bytes) -> int:
    """Deepest `[`/`{` nesting of JSON text outside strings (no recursion, linear time)."""
    outside_strings = b"".join(_ESCAPE.sub(b"", body).split(b'"')[::2])
    steps = outside_strings.translate(_BRACKET_STEPS, _NOT_BRACKETS)
    return max(map(operator.sub, accumulate(steps), count(1)), default=0)


def parse_document(body: bytes) -> dict[str, Any]:
    """The JSON object in `body`; `InvalidDocument` for bad JSON, non-objects, deep nesting."""
    if nesting_depth(body) > MAX_DEPTH:
        raise InvalidDocument(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidDocument(f"the document must be a JSON object, found {json_kind(doc)}")
    return doc


def canonical_bytes(doc: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the form fingerprints and ETags are computed over."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        # Nesting past 254, non-str keys, lone surrogates, integers past 64 bits, non-JSON types.
        raise InvalidDocument(f"the document cannot be encoded as JSON: {exc}") from exc


def fingerprint(canonical: bytes) -> str:
    """The sha256 hex digest of canonical bytes."""
    return hashlib.sha256(canonical).hexdigest()


def validator_schema(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without registry metadata: the JSON Schema validators compile."""
    return {key: value for key, value in doc.items() if key not in METADATA_KEYS}


def _metadata_string(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidDocument(f"'{key}' in the document must be a string, not {shown(value)}")
    return value


def _resolve_version(doc: dict[str, Any], requested: str | Version | None) -> Version:
    in_body = _metadata_string(doc, "version")
    if requested is None:
        if in_body is None:
            raise InvalidDocument("the document has no 'version' and the request names none")
        return Version.parse(in_body)
    version = requested if isinstance(requested, Version) else Version.parse(requested)
    if in_body is not None and in_body != str(version):
        raise InvalidDocument(
            f"the document's version {shown(in_body)} differs from the request's '{version}'",
            {"document": in_body[:64], "request": str(version)},
        )
    return version


def prepare(schema_id: str, version: str | Version | None, doc: dict[str, Any]) -> PreparedDocument:
    """Checks `doc` for publishing as `schema_id`@`version` and computes its canonical form.

    Missing `id`/`version` are filled from the request; values that contradict it are refused.
    `$schema` is stored as its synonym `schema_version`, so both spellings fingerprint alike.
    """
    schema_id = validate_schema_id(schema_id)
    if not isinstance(doc, dict):
        raise InvalidDocument(f"the document must be a JSON object, found {json_kind(doc)}")
    id_in_body = _metadata_string(doc, "id")
    if id_in_body is not None and id_in_body != schema_id:
        raise InvalidDocument(
            f"the document's id {shown(id_in_body)} differs from the path's '{schema_id}'",
            {"document": id_in_body[:64], "path": schema_id},
        )
    resolved = _resolve_version(doc, version)
    document = {**doc, "id": schema_id, "version": str(resolved)}
    dialect = _metadata_string(document, "$schema")
    document.pop("$schema", None)
    # check_document will only see `schema_version`: a different `$schema` beside it would
    # otherwise vanish unchecked.
    if dialect is not None and document.setdefault("schema_version", dialect) != dialect:
        raise InvalidDocument(
            "'$schema' and 'schema_version' are synonyms and must be equal when both are given"
        )
    canonical = canonical_bytes(document)
    # Dicts that never went through parse_document get the same depth bound.
    if nesting_depth(canonical) > MAX_DEPTH:
        raise InvalidDocument(f"JSON nested deeper than {MAX_DEPTH} levels")
    problems = compat_rs.check_document(canonical)
    if problems:
        raise InvalidSchema(problems)
    return PreparedDocument(schema_id, resolved, document, canonical, fingerprint(canonical))
