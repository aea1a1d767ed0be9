"""The one place errors become HTTP responses: `{"error", "message", "details"}` JSON bodies."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiohttp import web

from service.api.responses import json_response
from service.domain.errors import DomainError
from service.storage.contract import StoreUnavailable

log = logging.getLogger(__name__)

ERROR_CODE = web.ResponseKey("error_code", str)

# Domain codes that are not plain 400s.
_STATUS_BY_CODE = {
    "schema_not_found": 404,
    "version_not_found": 404,
    "version_conflict": 409,
    "not_soft_deleted": 409,
    "bump_required": 422,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validator_unavailable": 422,
}

# aiohttp's own HTTP errors (unknown path, wrong method, …) keep their status with these codes.
_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> web.Response:
    """A JSON error body; the status line and the `error` code say the same thing."""
    body = {"error": code, "message": message, "details": details or {}}
    response = json_response(body, status=status)
    # For the audit entry of a rejected write, without parsing the body back.
    response[ERROR_CODE] = code
    return response


def _http_error(exc: web.HTTPException) -> web.Response:
    code = _CODE_BY_STATUS.get(exc.status, "http_error")
    response = error_response(exc.status, code, exc.reason or code)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
    return response


def error_response_for(request: web.Request, exc: Exception) -> web.Response:
    """DomainError → 4xx, StoreUnavailable → 503, aiohttp's HTTP errors (404, 405, 413 …) →
    JSON with their status, anything else → 500 with the traceback in the log only."""
    if isinstance(exc, DomainError):
        status = _STATUS_BY_CODE.get(exc.code, 400)
        return error_response(status, exc.code, exc.message, exc.details)
    if isinstance(exc, StoreUnavailable):
        # The cause (paths, hosts) is for operators, not clients.
        log.warning("store unavailable in %s %s: %s", request.method, request.path, exc)
        return error_response(503, "store_unavailable", "the store is unavailable; retry later")
    if isinstance(exc, web.HTTPException) and exc.status >= 400:
        return _http_error(exc)
    # The traceback goes to the log under an id the client can quote, never to the client.
    request_id = uuid.uuid4().hex
    log.error(
        "unhandled error in %s %s [request %s]",
        request.method,
        request.path,
        request_id,
        exc_info=exc,
    )
    return error_response(
        500,
        "internal_error",
        f"internal error; quote request id {request_id}",
        {"request_id": request_id},
    )
