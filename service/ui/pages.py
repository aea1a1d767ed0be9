"""HTML responses of the UI: templates rendered with the security headers, and error pages."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp_jinja2
import orjson
from aiohttp import web

from service.api.errors import error_response_for

UiHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# No inline script or style anywhere: pages load /ui/static/ui.js and ui.css only. 'self' in
# connect-src covers ws:// and wss:// to this origin (CSP Level 3) for the live banner.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def secure(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(SECURITY_HEADERS)
    return response


def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """`template` (autoescaped) as text/html with the security headers."""
    response = aiohttp_jinja2.render_template(template, request, dict(context), status=status)
    secure(response)
    return response


def describe_error(request: web.Request, exc: Exception) -> dict[str, Any]:
    """The JSON API's mapping of `exc` (status, code, message, details; a 500 is logged with a
    request id): the UI decides no status of its own."""
    api = error_response_for(request, exc)
    assert isinstance(api.body, bytes)
    error = orjson.loads(api.body)
    return {
        "status": api.status,
        "code": error["error"],
        "message": error["message"],
        "problems": error["details"].get("problems", []),
    }


def error_page(request: web.Request, exc: Exception) -> web.Response:
    error = describe_error(request, exc)
    return render(request, "error.html", {"error": error}, status=error["status"])


def html_errors(handler: UiHandler) -> UiHandler:
    """`handler` with its errors as HTML pages instead of the endpoint's JSON."""

    @functools.wraps(handler)
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return error_page(request, exc)
        except Exception as exc:  # every UI error becomes a page, as every API error a JSON body
            return error_page(request, exc)

    return run
