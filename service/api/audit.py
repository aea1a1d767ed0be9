"""`GET /audit` (admin): the audit log, oldest first, from `since` (RFC 3339), `limit` entries."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from service.api.bodies import InvalidParameter, query_int
from service.api.responses import json_response
from service.api.state import STORE
from service.storage import timestamps


async def list_audit(request: web.Request) -> web.Response:
    since = request.query.get("since")
    if since is not None:
        try:
            since = timestamps.normalize(since)
        except ValueError as exc:
            raise InvalidParameter(str(exc), {"parameter": "since"}) from None
    limit = query_int(request, "limit", 100, 1, 1000)
    entries = await request.app[STORE].list_audit(since=since, limit=limit)
    body = {
        "entries": [asdict(entry) for entry in entries],
        # Entries are timed to the microsecond; the next page starts at the last one's time
        # (inclusive, so a client drops the entries it already has at that instant).
        "next_since": entries[-1].time if len(entries) == limit else None,
    }
    return json_response(body)
