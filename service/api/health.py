"""Operational endpoints: liveness, readiness, health with store state, and /metrics."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from service.api.responses import json_response
from service.api.state import GUARD, INDEX, METRICS, REGISTRY


async def get_health(request: web.Request) -> web.Response:
    # Degraded is still 200: reads are served from the index while the store is down.
    health = await request.app[REGISTRY].health()
    guard = request.app[GUARD]
    health["auth"] = guard.mode
    if guard.config.dev:
        # Loud on purpose: a dashboard or a probe scraping /health sees it too.
        health["warning"] = "DEV MODE: authentication is off; every client is admin"
    return json_response(health)


def get_live(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


def get_ready(request: web.Request) -> web.Response:
    ready = request.app[INDEX].ready
    body = {"status": "ready" if ready else "not_ready"}
    return json_response(body, status=200 if ready else 503)


async def get_metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    # Store state and watch lag are probed at scrape time (bounded by the health probe timeout).
    metrics.observe_health(await request.app[REGISTRY].health())
    body = metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
