"""The route table: every HTTP endpoint and the handler behind it."""

from __future__ import annotations

from aiohttp import web

from service.api import compat, config, health, openapi, schemas, validation

# `/schema/{id}/compat` and `/validate` are POST-only resources, not versions: without the
# look-ahead a GET there would be read as version "compat" (400) and OPTIONS would advertise GET.
_NOT_A_SUBRESOURCE = r"(?!(?:compat|validate)$)[^/]+"


def add_routes(app: web.Application) -> None:
    """Registers every route; `/versions` comes before `/{version}` so it is not a version."""
    app.router.add_routes(
        [
            web.get("/schemas", schemas.list_schemas),
            web.get("/schema/{id}", schemas.get_schema),
            web.post("/schema/{id}", schemas.publish_version),
            web.delete("/schema/{id}", schemas.delete_schema),
            web.get("/schema/{id}/versions", schemas.get_versions),
            web.post("/schema/{id}/compat", compat.check_compat),
            web.post("/schema/{id}/validate", validation.validate_records),
            web.get(f"/schema/{{id}}/{{version:{_NOT_A_SUBRESOURCE}}}", schemas.get_schema),
            web.get("/compat/{id}/{from}/{to}", compat.diff_versions),
            web.get("/config", config.get_config),
            web.put("/config", config.put_config),
            web.get("/config/{id}", config.get_config),
            web.put("/config/{id}", config.put_config),
            web.get("/health", health.get_health),
            web.get("/health/live", health.get_live),
            web.get("/health/ready", health.get_ready),
            web.get("/metrics", health.get_metrics),
            web.get("/openapi.json", openapi.get_openapi),
        ]
    )
