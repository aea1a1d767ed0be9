"""The wrapper every route's handler runs in: it admits the request (authentication, rate limit,
role), times it under the route template, turns any error into the JSON error response, and
audits refused and rejected writes.

A wrapper per route instead of aiohttp middlewares: two middlewares cost ~8 µs a request (aiohttp
adds a third of its own once any exists), a fifth of a cached read, while this costs one call.
Handlers that never wait (reads served from the index) are plain functions, called without a
coroutine of their own: on the cached-read path even that is measurable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import cast

from aiohttp import web
from aiohttp.hdrs import AUTHORIZATION
from aiohttp.typedefs import Handler

from service.api.access import PRINCIPAL, audit_denial, audit_rejection, denied_response
from service.api.errors import error_response_for
from service.api.state import METRICS
from service.metrics import RequestStats
from service.security.guard import Denied, Guard
from service.security.roles import Access

SyncHandler = Callable[[web.Request], web.StreamResponse]


@dataclass(frozen=True, slots=True)
class Rule:
    """What a route does (`access`: who may, which budget) and its name in the audit log."""

    access: Access
    action: str


def endpoint(
    handler: Handler | SyncHandler, route: str, rule: Rule, guard: Guard, stats: RequestStats
) -> Handler:
    """`handler` behind `guard` under `rule`, timed under `route` (its template, never the raw
    path), with errors as JSON."""
    if inspect.iscoroutinefunction(handler):
        return _async_endpoint(cast(Handler, handler), route, rule, guard, stats)
    return _sync_endpoint(cast(SyncHandler, handler), route, rule, guard, stats)


def _async_endpoint(
    handler: Handler, route: str, rule: Rule, guard: Guard, stats: RequestStats
) -> Handler:
    admit, access, audited = guard.admit, rule.access, rule.access.writes
    anonymous_read, limit_read = _anonymous_reads(guard, access)

    async def run(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            authorization = request.headers.get(AUTHORIZATION)
            if authorization is None and anonymous_read:
                if limit_read is not None:
                    limit_read(request.remote or "")
            else:
                request[PRINCIPAL] = admit(access, authorization, request.remote or "")
            response = await handler(request)
        except Denied as denied:
            response = await _refuse(request, rule, denied)
        except web.HTTPException as exc:
            # Redirects and other non-errors keep aiohttp's own handling.
            if exc.status < 400:
                raise
            response = error_response_for(request, exc)
        except Exception as exc:  # this is where every error becomes a response
            response = error_response_for(request, exc)
        if audited and response.status >= 400 and PRINCIPAL in request:
            await audit_rejection(request, rule.action, response)
        stats.observe(request.method, route, response.status, perf_counter() - started)
        return response

    return run


def _sync_endpoint(
    handler: SyncHandler, route: str, rule: Rule, guard: Guard, stats: RequestStats
) -> Handler:
    # The same steps as `_async_endpoint`, with the handler called directly: no coroutine.
    admit, access, audited = guard.admit, rule.access, rule.access.writes
    anonymous_read, limit_read = _anonymous_reads(guard, access)

    async def run(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            authorization = request.headers.get(AUTHORIZATION)
            if authorization is None and anonymous_read:
                if limit_read is not None:
                    limit_read(request.remote or "")
            else:
                request[PRINCIPAL] = admit(access, authorization, request.remote or "")
            response = handler(request)
        except Denied as denied:
            response = await _refuse(request, rule, denied)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response_for(request, exc)
        except Exception as exc:
            response = error_response_for(request, exc)
        if audited and response.status >= 400 and PRINCIPAL in request:
            await audit_rejection(request, rule.action, response)
        stats.observe(request.method, route, response.status, perf_counter() - started)
        return response

    return run


def _anonymous_reads(guard: Guard, access: Access) -> tuple[bool, Callable[[str], None] | None]:
    """Whether this route's requests without a token skip `admit`, and the read budget they
    spend then (None: unlimited). Decided once per route: each step of the cached-read path
    costs a few per cent of its throughput. Such requests carry no principal (handlers see
    anonymous), and a route that writes is never one of them."""
    if not guard.anonymous_read(access):
        return False, None
    return True, guard.limit_read if access is not Access.OPEN and guard.reads_limited else None


async def _refuse(request: web.Request, rule: Rule, denied: Denied) -> web.StreamResponse:
    request.app[METRICS].denied.labels(denied.code).inc()
    if denied.audit:
        await audit_denial(request, rule.action, denied)
    return denied_response(denied)


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
