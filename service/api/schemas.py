"""Schema handlers: list, read (ETag/304), publish and delete."""

from __future__ import annotations

from aiohttp import web
from aiohttp.hdrs import IF_NONE_MATCH

from service.api.access import actor
from service.api.bodies import query_flag, query_int, read_json_bytes
from service.api.responses import JSON, json_response
from service.api.state import INDEX, METRICS, REGISTRY, SETTINGS
from service.index import CachedVersion
from service.registry import SchemaNotFound, VersionNotFound


def _matches(if_none_match: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _render_version(request: web.Request, cached: CachedVersion) -> web.Response:
    if_none_match = request.headers.get(IF_NONE_MATCH)
    if if_none_match is not None and _matches(if_none_match, cached.etag):
        return web.Response(status=304, headers={"ETag": cached.etag})
    return web.Response(body=cached.body, content_type=JSON, headers={"ETag": cached.etag})


def list_schemas(request: web.Request) -> web.Response:
    prefix = request.query.get("prefix", "")
    limit = query_int(request, "limit", 100, 1, 1000)
    cursor = request.query.get("cursor") or None
    found = request.app[INDEX].list(prefix, limit, cursor)
    next_cursor = found[-1].schema_id if len(found) == limit else None
    body = {"schemas": [cached.summary() for cached in found], "next_cursor": next_cursor}
    return json_response(body)


def get_schema(request: web.Request) -> web.Response:
    app = request.app
    schema_id = request.match_info["id"]
    try:
        cached = app[REGISTRY].version(schema_id, request.match_info.get("version"))
    except (SchemaNotFound, VersionNotFound):
        app[METRICS].requests.missed()
        raise
    app[METRICS].requests.fetched(schema_id, cached.label)
    return _render_version(request, cached)


def get_versions(request: web.Request) -> web.Response:
    cached = request.app[REGISTRY].schema(request.match_info["id"])
    return web.Response(body=cached.versions_body, content_type=JSON)


async def publish_version(request: web.Request) -> web.Response:
    body = await read_json_bytes(request, request.app[SETTINGS].max_body)
    outcome = await request.app[REGISTRY].publish(request.match_info["id"], body, actor(request))
    if outcome.created:
        request.app[METRICS].schemas_created.inc()
    return json_response(outcome.body, status=201 if outcome.created else 200)


async def delete_schema(request: web.Request) -> web.Response:
    permanent = query_flag(request, "permanent")
    result = await request.app[REGISTRY].delete(request.match_info["id"], permanent, actor(request))
    return json_response(result)
