"""The OpenAPI 3 description of the HTTP API, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.api.responses import JSON, json_response

_OBJECT = {"type": "object"}
_ERROR = {
    "description": "error",
    "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _param(name: str, where: str = "path", description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": {"type": "string"},
        "description": description,
    }


ID = _param("id", description="schema id: ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
VERSION = _param("version", description="MAJOR.MINOR.PATCH or 'latest'")


def _op(summary: str, ok: str, errors: tuple[int, ...] = (), **extra: Any) -> dict[str, Any]:
    responses: dict[str, Any] = {
        ok: {"description": "success", "content": {JSON: {"schema": _OBJECT}}}
    }
    responses.update({str(status): _ERROR for status in errors})
    return {"summary": summary, "responses": responses, **extra}


def _body(description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": {JSON: {"schema": {}}}}


_DOC = _body("a registry document: draft-07 JSON Schema with id, version and arrow")
_CONFIG = _body('{"mode": ..., "policy": ...}; keys left out keep their value')

PATHS: dict[str, dict[str, Any]] = {
    "/schemas": {
        "get": _op(
            "List schema ids",
            "200",
            (400,),
            parameters=[
                _param("prefix", "query"),
                _param("limit", "query"),
                _param("cursor", "query"),
            ],
        )
    },
    "/schema/{id}": {
        "get": _op(
            "Latest version (ETag, 304 on If-None-Match)", "200", (400, 404), parameters=[ID]
        ),
        "post": _op(
            "Publish a version (201; 200 for an identical re-publish)",
            "201",
            (400, 409, 413, 415, 422, 503),
            parameters=[ID],
            requestBody=_DOC,
        ),
        "delete": _op(
            "Soft delete; ?permanent=true after a soft delete",
            "200",
            (400, 404, 409),
            parameters=[ID, _param("permanent", "query")],
        ),
    },
    "/schema/{id}/versions": {
        "get": _op("Sorted version list", "200", (400, 404), parameters=[ID])
    },
    "/schema/{id}/{version}": {
        "get": _op(
            "One version (ETag, 304 on If-None-Match)", "200", (400, 404), parameters=[ID, VERSION]
        )
    },
    "/schema/{id}/compat": {
        "post": _op(
            "Dry-run compatibility check against the latest or ?against=",
            "200",
            (400, 404, 413, 415),
            parameters=[ID, _param("against", "query")],
            requestBody=_DOC,
        )
    },
    "/schema/{id}/validate": {
        "post": _op(
            "Validate a record or a list of records (16 MiB limit)",
            "200",
            (400, 404, 413, 415),
            parameters=[ID, _param("version", "query")],
            requestBody=_body("one record, or a JSON array of records"),
        )
    },
    "/compat/{id}/{from}/{to}": {
        "get": _op(
            "Diff two stored versions",
            "200",
            (400, 404),
            parameters=[ID, _param("from"), _param("to")],
        )
    },
    "/config": {
        "get": _op("Global compatibility config", "200"),
        "put": _op("Replace the global config", "200", (400, 415), requestBody=_CONFIG),
    },
    "/config/{id}": {
        "get": _op("Effective config of one schema id", "200", (400,), parameters=[ID]),
        "put": _op(
            "Replace one schema id's config",
            "200",
            (400, 415),
            parameters=[ID],
            requestBody=_CONFIG,
        ),
    },
    "/health": {"get": _op("Status ok/degraded with store state and index lag", "200")},
    "/health/live": {"get": _op("Liveness", "200")},
    "/health/ready": {"get": _op("Readiness: 503 until the index has caught up", "200", (503,))},
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "responses": {"200": {"description": "text format"}},
        }
    },
    "/openapi.json": {"get": _op("This document", "200")},
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Schema Registry", "version": "0.1.0"},
    "paths": PATHS,
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message", "details"],
                "properties": {
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            }
        }
    },
}


async def get_openapi(request: web.Request) -> web.Response:
    return json_response(SPEC)
