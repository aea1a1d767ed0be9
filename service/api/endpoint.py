"""The wrapper every route's handler runs in: it times the request under the route template and
turns any error into the JSON error response.

A wrapper per route instead of aiohttp middlewares: two middlewares cost ~8 µs a request (aiohttp
adds a third of its own once any exists), a fifth of a cached read, while this costs one call.
Handlers that never wait (reads served from the index) are plain functions, called without a
coroutine of their own: on the cached-read path even that is measurable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from time import perf_counter
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from service.api.errors import error_response_for
from service.metrics import RequestStats

SyncHandler = Callable[[web.Request], web.StreamResponse]


def endpoint(handler: Handler | SyncHandler, route: str, stats: RequestStats) -> Handler:
    """`handler` timed under `route` (its template, never the raw path) with errors as JSON."""
    if inspect.iscoroutinefunction(handler):
        return _async_endpoint(cast(Handler, handler), route, stats)
    return _sync_endpoint(cast(SyncHandler, handler), route, stats)


def _async_endpoint(handler: Handler, route: str, stats: RequestStats) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # Redirects and other non-errors keep aiohttp's own handling.
            if exc.status < 400:
                raise
            response = error_response_for(request, exc)
        except Exception as exc:  # this is where every error becomes a response
            response = error_response_for(request, exc)
        stats.observe(request.method, route, response.status, perf_counter() - started)
        return response

    return run


def _sync_endpoint(handler: SyncHandler, route: str, stats: RequestStats) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            response = handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response_for(request, exc)
        except Exception as exc:
            response = error_response_for(request, exc)
        stats.observe(request.method, route, response.status, perf_counter() - started)
        return response

    return run


async def unmatched(request: web.Request) -> web.StreamResponse:
    """The last route: no other route matched, so it is 405 when one serves the path with other
    methods, else 404 (what aiohttp's router says, but through `endpoint`, as JSON)."""
    this = request.match_info.route.resource
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource is not this:
            _, methods = await resource.resolve(request)
            allowed |= methods
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound
