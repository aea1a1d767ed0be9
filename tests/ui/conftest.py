"""UI fixtures: an anonymous, browser-like client over an app holding ticks_v1 and xss_v1."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from tests.api.conftest import SCHEMAS
from tests.auth import bearer, secured

Client = TestClient[web.Request, web.Application]

TICKS = ("1.0.0", "1.1.0", "2.0.0")
# Schemas are user input: a document whose strings are markup must show that markup as text.
XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>"


def tick(version: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((SCHEMAS / "ticks_v1" / f"{version}.json").read_bytes())
    return copy.deepcopy(doc)


def hostile(version: str = "1.0.0") -> dict[str, Any]:
    """A document with markup in its title, a description, a property name and an enum."""
    return {
        "version": version,
        "title": XSS,
        "description": XSS,
        "type": "object",
        "properties": {
            "note": {"type": "string", "description": XSS, "enum": [XSS, "plain"]},
            f"<b>{XSS}</b>": {"type": "integer"},
        },
        "required": ["note"],
    }


async def publish(client: Client, doc: dict[str, Any], schema_id: str = "ticks_v1") -> None:
    response = await client.post(f"/schema/{schema_id}", json=doc, headers=bearer("admin"))
    assert response.status == 201, await response.text()


@pytest_asyncio.fixture
async def client(aiohttp_client: AiohttpClient) -> AsyncIterator[Client]:
    """Anonymous, as a browser is; the schemas are published with an admin token."""
    client = await aiohttp_client(create_app(secured(store_url="memory://")))
    for version in TICKS:
        await publish(client, tick(version))
    await publish(client, hostile(), "xss_v1")
    yield client
