"""JSON responses encoded with orjson (the stdlib encoder is several times slower)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

JSON = "application/json"


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """`data` as a JSON response."""
    return web.Response(body=orjson.dumps(data), status=status, content_type=JSON, headers=headers)
