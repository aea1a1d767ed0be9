"""Config handlers: the global and per-schema compatibility mode and policy."""

from __future__ import annotations

from aiohttp import web

from service.api.access import actor
from service.api.bodies import read_json
from service.api.responses import json_response
from service.api.state import REGISTRY, SETTINGS


def get_config(request: web.Request) -> web.Response:
    config = request.app[REGISTRY].config(request.match_info.get("id"))
    return json_response(config.to_dict())


async def put_config(request: web.Request) -> web.Response:
    body = await read_json(request, request.app[SETTINGS].max_body)
    config = await request.app[REGISTRY].put_config(
        request.match_info.get("id"), body, actor(request)
    )
    return json_response(config.to_dict())
