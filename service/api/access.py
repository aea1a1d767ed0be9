"""Access control applied to requests: the guard's refusals as JSON responses, the actor of a
request for the audit log, and audit entries for refused and rejected writes.

Successful writes are audited by the registry, in the same store commit as the change; what is
refused before or instead of a commit is appended here.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from typing import Any

from aiohttp import web

from service.api.errors import ERROR_CODE, error_response
from service.api.state import METRICS, STORE
from service.security.audit import DENIED, FAILED, RATE_LIMITED, REJECTED, Actor, audit_entry
from service.security.guard import Denied, role_name
from service.security.roles import ANONYMOUS, Principal
from service.storage.contract import AuditEntry, StoreError

log = logging.getLogger(__name__)

PRINCIPAL = web.RequestKey("principal", Principal)
_REQUEST_ID = web.RequestKey("request_id", str)
REQUEST_ID_HEADER = "X-Request-Id"
# A client's own request id is kept when it is a plain token; anything else gets a fresh one.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)


def principal_of(request: web.Request) -> Principal:
    principal: Principal = request.get(PRINCIPAL, ANONYMOUS)
    return principal


def request_id(request: web.Request) -> str:
    """The request's id for the audit log and logs: the client's X-Request-Id if sane."""
    known: str | None = request.get(_REQUEST_ID)
    if known is not None:
        return known
    given = request.headers.get(REQUEST_ID_HEADER, "")
    chosen = given if _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    request[_REQUEST_ID] = chosen
    return chosen


def client_address(request: web.Request) -> str:
    return request.remote or ""


def actor(request: web.Request) -> Actor:
    """Who made `request`, as the audit log names them."""
    principal = principal_of(request)
    return Actor(
        principal.subject, role_name(principal), request_id(request), client_address(request)
    )


def denied_response(denied: Denied) -> web.Response:
    """401 with a Bearer challenge (RFC 6750), 403, or 429 with Retry-After (whole seconds)."""
    response = error_response(denied.status, denied.code, denied.message)
    if denied.status == 401:
        error = "invalid_token" if denied.code == "invalid_token" else "invalid_request"
        response.headers["WWW-Authenticate"] = f'Bearer realm="schema-registry", error="{error}"'
    elif denied.status == 429:
        response.headers["Retry-After"] = str(max(1, math.ceil(denied.retry_after)))
    return response


def _target(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return request.match_info.get("id") or (resource.canonical if resource else request.path)


async def _append(request: web.Request, entry: AuditEntry) -> None:
    try:
        await request.app[STORE].append_audit(entry)
    except (StoreError, ValueError) as exc:
        # The refusal stands either way; an operator sees the gap in the metric and the log.
        request.app[METRICS].audit_failures.inc()
        log.warning("cannot audit %s on %s: %s", entry.outcome, entry.target, exc)


async def audit_denial(request: web.Request, action: str, denied: Denied) -> None:
    who = Actor(denied.subject, denied.role, request_id(request), client_address(request))
    outcome = RATE_LIMITED if denied.status == 429 else DENIED
    details: dict[str, Any] = {
        "status": denied.status,
        "error": denied.code,
        "method": request.method,
    }
    await _append(request, audit_entry(who, action, _target(request), outcome, details))


async def audit_rejection(request: web.Request, action: str, response: web.StreamResponse) -> None:
    """A write the registry refused (400/404/409/422…) or could not do (5xx)."""
    outcome = FAILED if response.status >= 500 else REJECTED
    details = {
        "status": response.status,
        "error": response.get(ERROR_CODE, ""),
        "method": request.method,
    }
    await _append(request, audit_entry(actor(request), action, _target(request), outcome, details))
