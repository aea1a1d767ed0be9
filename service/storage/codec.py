"""JSON encoding of the dict payloads a store keeps: event data, configs, audit details."""

from __future__ import annotations

from typing import Any

import orjson


def encode_object(value: object, what: str) -> bytes:
    """`value` as JSON bytes; `ValueError` unless it is a JSON-serialisable dict."""
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object (dict), not {type(value).__name__}")
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"{what} is not JSON-serialisable: {exc}") from None


def decode_object(data: bytes | str) -> dict[str, Any]:
    """A fresh dict from JSON written by `encode_object`."""
    value = orjson.loads(data)
    if not isinstance(value, dict):
        raise ValueError("stored JSON payload is not an object")
    return value
