"""The UI's static files (one stylesheet, one script), read once and served from memory."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.hdrs import IF_NONE_MATCH

from service.ui.pages import secure

STATIC = Path(__file__).parent / "static"
_TYPES = {".css": "text/css", ".js": "text/javascript"}
# Assets change only with a deploy; revalidation by ETag keeps a new deploy visible.
_CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def load_assets(directory: Path = STATIC) -> dict[str, Asset]:
    """Every file of `directory` by name: the whole set a request can name (no path is ever
    joined from the URL, so nothing outside it can be reached). Called once, at setup."""
    assets = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in _TYPES:
            body = path.read_bytes()
            etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
            assets[path.name] = Asset(body, _TYPES[path.suffix], etag)
    return assets


ASSETS = web.AppKey("ui_assets", dict[str, Asset])


def get_asset(request: web.Request) -> web.StreamResponse:
    asset = request.app[ASSETS].get(request.match_info["name"])
    if asset is None:
        return secure(web.Response(status=404, text="not found"))
    headers = {"ETag": asset.etag, "Cache-Control": _CACHE_CONTROL}
    if request.headers.get(IF_NONE_MATCH) == asset.etag:
        return secure(web.Response(status=304, headers=headers))
    response = web.Response(body=asset.body, content_type=asset.content_type, headers=headers)
    response.charset = "utf-8"
    return secure(response)
