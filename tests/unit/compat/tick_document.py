"""The DESIGN §3 example registry document (ticks_v1 1.0.0) and its bare JSON Schema."""

from __future__ import annotations

import copy
from typing import Any

METADATA_KEYS = ("id", "version", "schema_version", "$schema", "arrow")

TICK_DOCUMENT: dict[str, Any] = {
    "id": "ticks_v1",
    "version": "1.0.0",
    "schema_version": "http://json-schema.org/draft-07/schema#",
    "title": "Level-1 Tick Data",
    "type": "object",
    "properties": {
        "ts": {"type": "string", "format": "date-time"},
        "symbol": {"type": "string"},
        "price": {"type": "number"},
        "size": {"type": "integer"},
        "side": {"type": "string", "enum": ["B", "S"]},
    },
    "required": ["ts", "symbol", "price", "size"],
    "additionalProperties": False,
    "arrow": {
        "fields": [
            {"name": "ts", "type": {"name": "timestamp", "unit": "us"}},
            {"name": "symbol", "type": {"name": "utf8"}},
            {"name": "price", "type": {"name": "float64"}},
            {"name": "size", "type": {"name": "int32"}},
            {"name": "side", "type": {"name": "utf8"}},
        ]
    },
}


def tick_document() -> dict[str, Any]:
    """A fresh deep copy of the DESIGN §3 document, safe to edit."""
    return copy.deepcopy(TICK_DOCUMENT)


def tick_schema() -> dict[str, Any]:
    """The DESIGN §3 document without registry metadata: the JSON Schema validators compile."""
    return {k: v for k, v in tick_document().items() if k not in METADATA_KEYS}
