"""Compatibility handlers: dry-run a candidate, diff two stored versions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.api.bodies import read_json_bytes
from service.api.responses import json_response
from service.api.state import METRICS, REGISTRY, SETTINGS


def _render(request: web.Request, result: dict[str, Any]) -> web.Response:
    outcome = "compatible" if result["compatible"] else "incompatible"
    request.app[METRICS].compat_checks.labels(outcome).inc()
    return json_response(result)


async def check_compat(request: web.Request) -> web.Response:
    body = await read_json_bytes(request, request.app[SETTINGS].max_body)
    against = request.query.get("against")
    result = await request.app[REGISTRY].check(request.match_info["id"], body, against)
    return _render(request, result)


async def diff_versions(request: web.Request) -> web.Response:
    info = request.match_info
    result = await request.app[REGISTRY].diff_versions(info["id"], info["from"], info["to"])
    return _render(request, result)
