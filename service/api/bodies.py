"""Request bodies: JSON content type, size limits while reading, depth-bounded parsing."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from service.domain.documents import MAX_DEPTH, nesting_depth
from service.domain.errors import DomainError, InvalidDocument

_CHUNK = 64 * 1024
# Parsing up to this size takes well under a millisecond; bigger bodies go to a thread.
_PARSE_INLINE = 256 * 1024


class UnsupportedMediaType(DomainError):
    """A POST/PUT body that is not `application/json`."""

    code = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    """A body over the route's limit."""

    code = "payload_too_large"


class UnreadableBody(DomainError):
    """A body aiohttp cannot deliver: a broken Content-Encoding, a truncated chunked body."""

    code = "bad_request"


class InvalidParameter(DomainError):
    """A query parameter that cannot be used."""

    code = "invalid_parameter"


async def read_json_bytes(request: web.Request, limit: int) -> bytes:
    """The raw body, refused before reading past `limit` bytes or when not JSON."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, not {request.content_type!r}",
            {"content_type": request.content_type[:64]},
        )
    too_large = PayloadTooLarge(f"the request body is larger than {limit} bytes", {"limit": limit})
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        # Counted while streaming (after decompression): a chunked body declares no length.
        async for chunk in request.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except web.RequestPayloadError as exc:
        # Was a 500: aiohttp raises this while reading, inside the handler.
        raise UnreadableBody(
            "the request body cannot be read: a broken Content-Encoding or a truncated body"
        ) from exc
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    """Any JSON value, with the same depth bound as documents."""
    if nesting_depth(body) > MAX_DEPTH:
        raise InvalidDocument(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"invalid JSON: {exc}") from exc


async def read_json(request: web.Request, limit: int) -> Any:
    """`read_json_bytes` then `parse_json`; big bodies are parsed off the event loop."""
    body = await read_json_bytes(request, limit)
    if len(body) > _PARSE_INLINE:
        return await asyncio.to_thread(parse_json, body)
    return parse_json(body)


def query_flag(request: web.Request, name: str) -> bool:
    """`?name=true|false` (absent: false)."""
    value = request.query.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidParameter(f"{name} must be true or false", {"parameter": name})
    return value in ("true", "1")


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within `[low, high]`."""
    text = request.query.get(name)
    if text is None:
        return default
    # The length bound keeps int() away from huge digit strings.
    if not (text.isascii() and text.isdigit() and len(text) <= 9 and low <= int(text) <= high):
        raise InvalidParameter(
            f"{name} must be an integer from {low} to {high}", {"parameter": name}
        )
    return int(text)
