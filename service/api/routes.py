"""The route table: every HTTP endpoint and the handler behind it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from service.api import compat, config, health, openapi, schemas, validation, ws
from service.api.endpoint import SyncHandler, endpoint, unmatched
from service.metrics import UNMATCHED, RequestStats

# `/schema/{id}/compat` and `/validate` are POST-only resources, not versions: without the
# look-ahead a GET there would be read as version "compat" (400) and OPTIONS would advertise GET.
_NOT_A_SUBRESOURCE = r"(?!(?:compat|validate)$)[^/]+"

# Method, path, handler. Routes of one path stay adjacent so they share one resource; within a
# path prefix the router tries resources in this order, so the cached read comes first.
# Handlers that never wait are plain functions (see `endpoint`).
ROUTES: tuple[tuple[str, str, Handler | SyncHandler], ...] = (
    ("GET", "/schema/{id}", schemas.get_schema),
    ("POST", "/schema/{id}", schemas.publish_version),
    ("DELETE", "/schema/{id}", schemas.delete_schema),
    # `/versions` comes before `/{version}` so it is not read as a version.
    ("GET", "/schema/{id}/versions", schemas.get_versions),
    ("POST", "/schema/{id}/compat", compat.check_compat),
    ("POST", "/schema/{id}/validate", validation.validate_records),
    ("GET", f"/schema/{{id}}/{{version:{_NOT_A_SUBRESOURCE}}}", schemas.get_schema),
    ("GET", "/schemas", schemas.list_schemas),
    ("GET", "/compat/{id}/{from}/{to}", compat.diff_versions),
    ("GET", "/config", config.get_config),
    ("PUT", "/config", config.put_config),
    ("GET", "/config/{id}", config.get_config),
    ("PUT", "/config/{id}", config.put_config),
    ("GET", "/health", health.get_health),
    ("GET", "/health/live", health.get_live),
    ("GET", "/health/ready", health.get_ready),
    ("GET", "/metrics", health.get_metrics),
    ("GET", "/openapi.json", openapi.get_openapi),
    ("GET", "/ws", ws.websocket),
)


def add_routes(app: web.Application, stats: RequestStats) -> None:
    """Registers every route inside `endpoint`; GET routes answer HEAD too."""
    for method, path, handler in ROUTES:
        resource = app.router.add_resource(path)
        wrapped = endpoint(handler, resource.canonical, stats)
        resource.add_route(method, wrapped)
        if method == "GET":
            resource.add_route("HEAD", wrapped)
    # Last, so the router reaches it only when nothing above matched.
    app.router.add_route("*", "/{path:.*}", endpoint(unmatched, UNMATCHED, stats))
