"""The reusable parts of /openapi.json: wire patterns, error codes and component schemas."""

from __future__ import annotations

from typing import Any

import compat_rs
from service.api.responses import JSON
from service.domain.config import Mode, Policy
from service.domain.versions import BUMPS

# The wire formats of DESIGN §3; tests/api/test_schemathesis.py checks them against the domain.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
_PART = r"(0|[1-9][0-9]{0,18})"
VERSION_PATTERN = rf"^{_PART}\.{_PART}\.{_PART}$"
VERSION_REF_PATTERN = rf"^(latest|{_PART}\.{_PART}\.{_PART})$"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"

# Every error code each status can carry (service/api/errors.py renders them).
ERROR_CODES: dict[int, list[str]] = {
    400: [
        "bad_request",
        "http_error",
        "invalid_config",
        "invalid_document",
        "invalid_parameter",
        "invalid_request",
        "invalid_schema",
        "invalid_schema_id",
        "invalid_version",
    ],
    401: ["invalid_token", "unauthenticated"],
    403: ["forbidden"],
    404: ["not_found", "schema_not_found", "version_not_found"],
    409: ["not_soft_deleted", "version_conflict"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    422: ["bump_required", "validator_unavailable"],
    429: ["rate_limited"],
    503: ["store_unavailable"],
}

MODES = [mode.value for mode in Mode]
POLICIES = [policy.value for policy in Policy]
_BUMPS = list(BUMPS)


def ref(name: str) -> dict[str, str]:
    """A reference to the component schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], closed: bool = True, **properties: Any) -> dict[str, Any]:
    """An object schema; `closed` ones allow no properties beyond `properties`."""
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


STR: dict[str, Any] = {"type": "string"}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

_CHANGE = obj(
    ["type", "path", "breaking", "message"],
    type={"type": "string", "enum": sorted(name for name, *_ in compat_rs.change_types())},
    path=STR,
    breaking={"type": "boolean"},
    message=STR,
    # Publish answers name the stored version each change was found against.
    against=ref("Version"),
)
_ARROW_FIELD = obj(
    ["name", "type"],
    closed=False,
    name=STR,
    type=obj(["name"], closed=False, name=STR),
    nullable={"type": "boolean"},
)
_ARROW = obj(["fields"], closed=False, fields={"type": "array", "items": _ARROW_FIELD})
# The top-level keywords of the draft-07 meta-schema that documents use most; the registry
# meta-validates the whole document (a subschema is an object, true or false).
_SUBSCHEMA = {"type": ["object", "boolean"]}
_JSON_TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"]
_DRAFT_07_KEYWORDS: dict[str, Any] = {
    "title": STR,
    "description": STR,
    "type": {
        "anyOf": [
            {"enum": _JSON_TYPES},
            {"type": "array", "items": {"enum": _JSON_TYPES}, "minItems": 1, "uniqueItems": True},
        ]
    },
    "required": {"type": "array", "items": STR, "uniqueItems": True},
    "properties": {"type": "object", "additionalProperties": _SUBSCHEMA},
    "additionalProperties": _SUBSCHEMA,
    "definitions": {"type": "object", "additionalProperties": _SUBSCHEMA},
}


def _document(required: list[str], stored: bool = False) -> dict[str, Any]:
    """A registry document; requests may send `id` and `$schema` as null, meaning absent."""
    dialect = {"const": DRAFT_07}
    nullable_id = {"anyOf": [ref("SchemaId"), {"type": "null"}]}
    metadata: dict[str, Any] = {
        "id": ref("SchemaId") if stored else nullable_id,
        "version": ref("Version"),
        "schema_version": dialect,
        "arrow": _ARROW,
    }
    if not stored:
        # Stored documents carry it as its synonym `schema_version`.
        metadata["$schema"] = {"anyOf": [dialect, {"type": "null"}]}
    document = obj(required, closed=False)
    document["properties"] = {**_DRAFT_07_KEYWORDS, **metadata}
    return document


_COMPAT_RESULT = obj(
    ["compatible", "against", "mode", "policy", "required_bump", "changes"],
    compatible={"type": "boolean"},
    against=ref("Version"),
    mode={"enum": MODES},
    policy={"enum": POLICIES},
    required_bump={"enum": _BUMPS},
    changes={"type": "array", "items": _CHANGE},
)

COMPONENTS: dict[str, Any] = {
    "SchemaId": {"type": "string", "pattern": ID_PATTERN},
    "Version": {"type": "string", "pattern": VERSION_PATTERN},
    "VersionRef": {"type": "string", "pattern": VERSION_REF_PATTERN},
    "Error": obj(
        ["error", "message", "details"],
        error={"type": "string", "pattern": "^[a-z_]+$"},
        message=STR,
        details={"type": "object"},
    ),
    # A registry document (DESIGN §3): a draft-07 schema plus registry metadata. Stored ones
    # always carry id and version; a published one may leave id to the path.
    "Document": _document(["id", "version"], stored=True),
    "NewDocument": _document(["version"]),
    "Candidate": _document([]),
    "Config": obj(["mode", "policy"], mode={"enum": MODES}, policy={"enum": POLICIES}),
    "CompatResult": _COMPAT_RESULT,
    "PublishResult": obj(
        ["id", "version", "fingerprint", "previous", "required_bump", "changes"],
        id=ref("SchemaId"),
        version=ref("Version"),
        fingerprint=_SHA256,
        previous={"oneOf": [ref("Version"), {"type": "null"}]},
        required_bump={"enum": _BUMPS},
        changes={"type": "array", "items": _CHANGE},
    ),
}


def error(
    status: int, codes: list[str] | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The error body of `status`, its `error` code limited to `codes` (default: the status's)."""
    narrowed: dict[str, Any] = {"error": {"enum": codes or ERROR_CODES[status]}}
    if details is not None:
        narrowed["details"] = details
    schema = {"allOf": [ref("Error"), {"type": "object", "properties": narrowed}]}
    return {"description": f"error ({status})", "content": {JSON: {"schema": schema}}}


# 422 from a publish: the changes and the bump they require (DESIGN §4).
BUMP_REQUIRED = error(
    422,
    ["bump_required"],
    obj(
        ["required_bump", "actual_bump", "changes"],
        required_bump={"enum": _BUMPS},
        actual_bump={"enum": _BUMPS},
        changes={"type": "array", "items": _CHANGE, "minItems": 1},
    ),
)
