"""The route table: every HTTP endpoint, the handler behind it, and who may call it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from service.api import audit, compat, config, failures, health, openapi, schemas, validation, ws
from service.api.cached_read import cached_read
from service.api.endpoint import Rule, SyncHandler, endpoint, unmatched
from service.metrics import UNMATCHED, RequestStats
from service.security.guard import Guard
from service.security.roles import Access
from service.ui import assets, views

# `/schema/{id}/compat`, `/validate` and `/failures` are POST-only resources, not versions:
# without the look-ahead a GET there would be read as version "compat" (400) and OPTIONS would
# advertise GET.
_NOT_A_SUBRESOURCE = r"(?!(?:compat|validate|failures)$)[^/]+"

READ, STREAM, PUBLISH, ADMIN, OPEN = (
    Access.READ,
    Access.STREAM,
    Access.PUBLISH,
    Access.ADMIN,
    Access.OPEN,
)

# Method, path, handler, access (DESIGN §7: reads anonymous unless configured, publish by ci-bot
# or admin, config changes, deletes and the audit log by admin), audit action name.
# Routes of one path stay adjacent so they share one resource; within a path prefix the router
# tries resources in this order, so the cached read comes first. Handlers that never wait are
# plain functions (see `endpoint`). Compat checks and validation change nothing: reads.
ROUTES: tuple[tuple[str, str, Handler | SyncHandler, Access, str], ...] = (
    ("GET", "/schema/{id}", schemas.get_schema, READ, "schema.read"),
    ("POST", "/schema/{id}", schemas.publish_version, PUBLISH, "schema.publish"),
    ("DELETE", "/schema/{id}", schemas.delete_schema, ADMIN, "schema.delete"),
    # `/versions` comes before `/{version}` so it is not read as a version.
    ("GET", "/schema/{id}/versions", schemas.get_versions, READ, "schema.versions"),
    ("POST", "/schema/{id}/compat", compat.check_compat, READ, "compat.check"),
    ("POST", "/schema/{id}/validate", validation.validate_records, READ, "records.validate"),
    ("POST", "/schema/{id}/failures", failures.report_failures, READ, "failures.report"),
    (
        "GET",
        f"/schema/{{id}}/{{version:{_NOT_A_SUBRESOURCE}}}",
        schemas.get_schema,
        READ,
        "schema.read",
    ),
    ("GET", "/schemas", schemas.list_schemas, READ, "schema.list"),
    ("GET", "/compat/{id}/{from}/{to}", compat.diff_versions, READ, "compat.diff"),
    ("GET", "/config", config.get_config, READ, "config.read"),
    ("PUT", "/config", config.put_config, ADMIN, "config.put"),
    ("GET", "/config/{id}", config.get_config, READ, "config.read"),
    ("PUT", "/config/{id}", config.put_config, ADMIN, "config.put"),
    ("GET", "/audit", audit.list_audit, ADMIN, "audit.read"),
    ("GET", "/health", health.get_health, OPEN, "health"),
    ("GET", "/health/live", health.get_live, OPEN, "health"),
    ("GET", "/health/ready", health.get_ready, OPEN, "health"),
    ("GET", "/metrics", health.get_metrics, OPEN, "metrics"),
    ("GET", "/openapi.json", openapi.get_openapi, OPEN, "openapi"),
    ("GET", "/ws", ws.websocket, STREAM, "ws.subscribe"),
    # The web UI (service/ui): HTML pages that read like the API they show, so they are reads,
    # with the read budget. The checker's POST is a dry run, like POST /schema/{id}/compat.
    ("GET", "/ui", views.list_schemas_page, READ, "ui.list"),
    ("GET", "/ui/schema/{id}", views.schema_page, READ, "ui.schema"),
    ("GET", "/ui/schema/{id}/diff", views.diff_page, READ, "ui.diff"),
    ("GET", "/ui/schema/{id}/check", views.check_form_page, READ, "ui.check"),
    ("POST", "/ui/schema/{id}/check", views.check_candidate_page, READ, "ui.check"),
    ("GET", "/ui/static/{name}", assets.get_asset, READ, "ui.static"),
)


def add_routes(app: web.Application, guard: Guard, stats: RequestStats) -> None:
    """Registers every route inside `endpoint`; GET routes answer HEAD too. Schema reads get the
    cached-read fast path in front when anonymous callers may read (service/api/cached_read.py)."""
    fast_reads = guard.anonymous_read(READ)
    for method, path, handler, access, action in ROUTES:
        resource = app.router.add_resource(path)
        wrapped = endpoint(handler, resource.canonical, Rule(access, action), guard, stats)
        if fast_reads and handler is schemas.get_schema:
            resource.add_route(method, cached_read(wrapped, app, resource.canonical, guard, stats))
        else:
            resource.add_route(method, wrapped)
        if method == "GET":
            resource.add_route("HEAD", wrapped)
    # Last, so the router reaches it only when nothing above matched.
    fallback = endpoint(unmatched, UNMATCHED, Rule(READ, "unmatched"), guard, stats)
    app.router.add_route("*", "/{path:.*}", fallback)
