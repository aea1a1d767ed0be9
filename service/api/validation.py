"""The validate handler: one record or a list of records against a stored version."""

from __future__ import annotations

from aiohttp import web

from service.api.bodies import read_json
from service.api.responses import json_response
from service.api.state import REGISTRY, SETTINGS


async def validate_records(request: web.Request) -> web.Response:
    payload = await read_json(request, request.app[SETTINGS].max_validate_body)
    # A JSON array is always a batch; anything else is one record.
    records = payload if isinstance(payload, list) else [payload]
    version = request.query.get("version")
    result = await request.app[REGISTRY].validate(request.match_info["id"], version, records)
    return json_response(result)
