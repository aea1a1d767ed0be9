"""The OpenAPI 3.1 description of the HTTP API, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.api.openapi_schemas import (
    BUMP_REQUIRED,
    COMPONENTS,
    COUNT,
    MODES,
    POLICIES,
    STR,
    error,
    obj,
    ref,
)
from service.api.responses import JSON, json_response
from service.security.roles import Access

_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
# OpenAPI's way to say "a token is optional": either no requirement or the bearer one.
_OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]
_RETRY_AFTER = {"Retry-After": {"required": True, "schema": {"type": "string"}}}
_CHALLENGE = {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}


def _access_responses(access: Access) -> dict[str, dict[str, Any]]:
    """What the guard answers before the handler runs (service/security/guard.py)."""
    if access is Access.OPEN:
        return {}
    return {
        "401": {**error(401), "headers": _CHALLENGE},
        "403": error(403),
        "429": {**error(429), "headers": _RETRY_AFTER},
    }


def _json(schema: dict[str, Any], description: str = "success", **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def _path(name: str, schema: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": ref(schema),
        "example": example,
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _op(
    summary: str,
    responses: dict[str, dict[str, Any]],
    errors: tuple[int, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (),
    body: dict[str, Any] | None = None,
    access: Access = Access.READ,
) -> dict[str, Any]:
    """`responses` (success, and errors narrower than `error`'s) plus the plain `errors` and
    the guard's refusals; `access` is the route's, as in service/api/routes.py."""
    operation: dict[str, Any] = {"summary": summary, "responses": dict(responses)}
    operation["responses"].update({str(status): error(status) for status in errors})
    operation["responses"].update(_access_responses(access))
    operation["security"] = (
        [] if access is Access.OPEN else (_BEARER if access.writes else _OPTIONAL_BEARER)
    )
    operation["x-access"] = access.value
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: body}}
    return operation


# Reads of the seeded ids; writes go to ids of their own so reads keep finding their data.
ID = _path("id", "SchemaId", "ticks_v1")
NEW_ID = _path("id", "SchemaId", "orders_v1")
VERSION = _path("version", "VersionRef", "1.1.0")
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": STR,
    "description": "ETags from earlier answers; a match (or *) gets 304 without a body",
    "examples": {"any": {"value": "*"}, "stale": {"value": '"0000", W/"1111"'}},
}
_ETAG = {"ETag": {"required": True, "schema": {"type": "string", "pattern": '^"[0-9a-f]{64}"$'}}}
_DOCUMENT_OK = {
    "200": _json(ref("Document"), headers=_ETAG),
    "304": {"description": "not modified: If-None-Match matched the ETag", "headers": _ETAG},
}
_VERSION_QUERY = ref("VersionRef")

_NEW_DOCUMENT = {
    "version": "1.0.0",
    "title": "Order events",
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "qty": {"type": "integer"}},
    "required": ["order_id"],
    "arrow": {
        "fields": [
            {"name": "order_id", "type": {"name": "utf8"}, "nullable": False},
            {"name": "qty", "type": {"name": "int64"}},
        ]
    },
}
_PUBLISH_BODY = {
    "schema": ref("NewDocument"),
    "examples": {
        # schemathesis 4.32 sends these last first: "new" 1.0.0 gets a 201, then "breaking"
        # 1.0.1 a 422 (a newly required property needs a MAJOR bump). Reversed: 201 and 409.
        "breaking": {
            "value": {**_NEW_DOCUMENT, "version": "1.0.1", "required": ["order_id", "qty"]}
        },
        "new": {"value": _NEW_DOCUMENT},
    },
}
_CANDIDATE_BODY = {
    "schema": ref("Candidate"),
    "example": {**_NEW_DOCUMENT, "version": "1.2.0", "title": "Ticks"},
}
_CONFIG_BODY = {
    "schema": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {"mode": {"enum": MODES}, "policy": {"enum": POLICIES}},
    },
    "example": {"mode": "BACKWARD"},
}
_SCHEMA_LIST = obj(
    ["schemas", "next_cursor"],
    schemas={
        "type": "array",
        "items": obj(
            ["id", "latest_version", "versions", "updated_at"],
            id=ref("SchemaId"),
            latest_version=ref("Version"),
            versions={"type": "integer", "minimum": 1},
            updated_at={"type": "string", "format": "date-time"},
        ),
    },
    next_cursor={"type": ["string", "null"]},
)
_VALIDATION = obj(
    ["valid", "invalid", "errors"],
    valid=COUNT,
    invalid=COUNT,
    errors={
        "type": "array",
        "maxItems": 100,
        "items": obj(["index", "path", "message"], index=COUNT, path=STR, message=STR),
    },
)
_AUDIT = obj(
    ["entries", "next_since"],
    entries={
        "type": "array",
        "items": obj(
            [
                "principal",
                "role",
                "action",
                "target",
                "outcome",
                "request_id",
                "client",
                "time",
                "details",
            ],
            principal=STR,
            role=STR,
            action=STR,
            target=STR,
            outcome={"enum": ["ok", "unchanged", "denied", "rejected", "rate_limited", "failed"]},
            request_id=STR,
            client=STR,
            time={"type": "string", "format": "date-time"},
            details={"type": "object"},
        ),
    },
    next_since={"type": ["string", "null"], "format": "date-time"},
)
_HEALTH = obj(
    ["status", "store", "index", "auth"],
    status={"enum": ["ok", "degraded"]},
    auth=STR,
    warning=STR,
    store={"enum": ["up", "down"]},
    index=obj(
        ["ready", "revision", "lag", "watch_resumes", "watch_reloads"],
        ready={"type": "boolean"},
        revision=COUNT,
        lag={"type": ["integer", "null"], "minimum": 0},
        watch_resumes=COUNT,
        watch_reloads=COUNT,
    ),
)
_COUNT_64 = {**COUNT, "maximum": 2**63 - 1}
_FAILURE_REPORT_BODY = {
    "schema": obj(
        ["rows", "rejected", "reasons"],
        version={"oneOf": [ref("Version"), {"type": "null"}]},
        rows=_COUNT_64,
        rejected=_COUNT_64,
        reasons={
            "type": "object",
            "maxProperties": 100,
            "propertyNames": {"minLength": 1, "maxLength": 200},
            "additionalProperties": _COUNT_64,
        },
        source={"type": ["string", "null"], "maxLength": 500},
    ),
    "example": {
        "version": "1.1.0",
        "rows": 1000,
        "rejected": 3,
        "reasons": {"type:price": 2, "enum:side": 1},
        "source": "ticks.csv",
    },
}
_CONFIG_OK = {"200": _json(ref("Config"))}
_COMPAT_OK = {"200": _json(ref("CompatResult"))}

PATHS: dict[str, dict[str, Any]] = {
    "/schemas": {
        "get": _op(
            "List live schema ids in id order, paged by ?cursor= (the last id of a page)",
            {"200": _json(_SCHEMA_LIST)},
            (400,),
            (
                _query("prefix", STR, "only ids starting with this"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"),
                _query("cursor", STR, "list ids after this one"),
            ),
        )
    },
    "/schema/{id}": {
        "get": _op(
            "Latest version (ETag; 304 on If-None-Match)",
            _DOCUMENT_OK,
            (400, 404),
            (ID, IF_NONE_MATCH),
        ),
        "post": _op(
            "Publish a version (201; 200 for an identical re-publish)",
            {
                "201": _json(ref("PublishResult")),
                "200": _json(ref("PublishResult"), "identical re-publish"),
                "422": BUMP_REQUIRED,
            },
            (400, 409, 413, 415, 503),
            (NEW_ID,),
            _PUBLISH_BODY,
            Access.PUBLISH,
        ),
        "delete": _op(
            "Soft delete; ?permanent=true after a soft delete frees the id",
            {
                "200": _json(
                    obj(
                        ["id", "deleted", "permanent"],
                        id=ref("SchemaId"),
                        deleted={"const": True},
                        permanent={"type": "boolean"},
                    )
                )
            },
            (400, 404, 409, 503),
            (NEW_ID, _query("permanent", {"type": "boolean"}, "hard delete")),
            access=Access.ADMIN,
        ),
    },
    "/schema/{id}/versions": {
        "get": _op(
            "Sorted version list",
            {
                "200": _json(
                    obj(
                        ["id", "versions"],
                        id=ref("SchemaId"),
                        versions={"type": "array", "items": ref("Version"), "minItems": 1},
                    )
                )
            },
            (400, 404),
            (ID,),
        )
    },
    "/schema/{id}/{version}": {
        "get": _op(
            "One version, or 'latest' (ETag; 304 on If-None-Match)",
            _DOCUMENT_OK,
            (400, 404),
            (ID, VERSION, IF_NONE_MATCH),
        )
    },
    "/schema/{id}/compat": {
        "post": _op(
            "Dry-run compatibility check against the latest version or ?against=",
            _COMPAT_OK,
            (400, 404, 413, 415),
            (ID, _query("against", _VERSION_QUERY, "version to check against")),
            _CANDIDATE_BODY,
        )
    },
    "/schema/{id}/validate": {
        "post": _op(
            "Validate a record, or a JSON array of records (16 MiB limit)",
            {"200": _json(_VALIDATION), "422": error(422, ["validator_unavailable"])},
            (400, 404, 413, 415),
            (ID, _query("version", _VERSION_QUERY, "version to validate against")),
            {"schema": {}, "example": [{"ts": "2026-01-02T03:04:05Z", "symbol": "X"}]},
        )
    },
    "/schema/{id}/failures": {
        "post": _op(
            "Report a cleaner's rejected-row counts: a validation.failure.reported event",
            {"202": _json(obj(["revision"], revision=COUNT), "event appended")},
            (400, 404, 413, 415, 503),
            (ID,),
            _FAILURE_REPORT_BODY,
        )
    },
    "/compat/{id}/{from}/{to}": {
        "get": _op(
            "Diff two stored versions",
            _COMPAT_OK,
            (400, 404),
            (ID, _path("from", "VersionRef", "1.0.0"), _path("to", "VersionRef", "1.2.0")),
        )
    },
    "/config": {
        "get": _op("Global compatibility config", _CONFIG_OK),
        "put": _op(
            "Set the global config; keys left out keep their value",
            _CONFIG_OK,
            (400, 415, 503),
            body=_CONFIG_BODY,
            access=Access.ADMIN,
        ),
    },
    "/config/{id}": {
        "get": _op("Effective config of one schema id", _CONFIG_OK, (400,), (ID,)),
        "put": _op(
            "Set one schema id's config; keys left out keep their value",
            _CONFIG_OK,
            (400, 415, 503),
            (NEW_ID,),
            _CONFIG_BODY,
            Access.ADMIN,
        ),
    },
    "/audit": {
        "get": _op(
            "The audit log (admin), oldest first: every write, config change, delete and refused "
            "write; page with ?since=<next_since>",
            {"200": _json(_AUDIT)},
            (400, 503),
            (
                _query("since", {"type": "string", "format": "date-time"}, "entries at or after"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"),
            ),
            access=Access.ADMIN,
        )
    },
    "/health": {
        "get": _op(
            "Status ok/degraded with store state and index lag",
            {"200": _json(_HEALTH)},
            access=Access.OPEN,
        )
    },
    "/health/live": {
        "get": _op(
            "Liveness", {"200": _json(obj(["status"], status={"const": "ok"}))}, access=Access.OPEN
        )
    },
    "/health/ready": {
        "get": _op(
            "Readiness: 503 until the index has caught up",
            {
                "200": _json(obj(["status"], status={"const": "ready"})),
                "503": _json(obj(["status"], status={"const": "not_ready"}), "not ready"),
            },
            access=Access.OPEN,
        )
    },
    "/metrics": {
        "get": _op(
            "Prometheus metrics",
            {"200": {"description": "text format", "content": {"text/plain": {"schema": STR}}}},
            access=Access.OPEN,
        )
    },
    "/openapi.json": {
        "get": _op(
            "This document",
            {"200": _json(obj(["openapi", "info", "paths"], closed=False))},
            access=Access.OPEN,
        )
    },
    "/ws": {
        "get": _op(
            "WebSocket: subscribe to change events (protocol in DESIGN §5)",
            {"101": {"description": "switching to the WebSocket protocol"}},
            (400,),
            access=Access.STREAM,
        )
    },
}

# The web UI's routes (service/ui): HTML pages for people, not operations for API clients, so
# they are listed here rather than in `paths` (which schemathesis and SDK generators read).
UI_ROUTES: dict[str, dict[str, str]] = {
    "/ui": {"get": "Schema list; ?prefix= filters by id prefix, ?cursor= pages"},
    "/ui/schema/{id}": {"get": "Version history, field table and document; ?version= selects"},
    "/ui/schema/{id}/diff": {"get": "Side-by-side diff and changes; ?from= and ?to= versions"},
    "/ui/schema/{id}/check": {
        "get": "Compatibility checker form",
        "post": "Dry-run check of a pasted candidate (form-encoded; nothing is stored)",
    },
    "/ui/static/{name}": {"get": "The UI's stylesheet and script"},
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Schema Registry",
        "version": "0.1.0",
        "description": "The web UI is served under /ui (text/html, read access): see x-web-ui.",
    },
    "paths": PATHS,
    "x-web-ui": UI_ROUTES,
    "components": {
        "schemas": COMPONENTS,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "role claim reader, ci-bot or admin (DESIGN §7)",
            }
        },
    },
}


def get_openapi(request: web.Request) -> web.Response:
    return json_response(SPEC)
