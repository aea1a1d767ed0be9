"""A real registry on a loopback port for the SDK, and helpers to publish into it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from service.app import create_app
from tests.api.conftest import tick
from tests.auth import bearer, secured


@pytest_asyncio.fixture
async def registry() -> AsyncIterator[TestServer]:
    """A registry (memory store) holding ticks_v1 1.0.0."""
    server = TestServer(create_app(secured(store_url="memory://")))
    await server.start_server()
    await publish(server, tick("1.0.0"))
    yield server
    await server.close()


def url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


async def publish(server: TestServer, document: dict[str, Any]) -> None:
    async with (
        ClientSession() as session,
        session.post(
            f"{url(server)}/schema/{document['id']}", json=document, headers=bearer("ci-bot")
        ) as response,
    ):
        assert response.status in (200, 201), await response.text()


def minor(version: str) -> dict[str, Any]:
    """ticks_v1 1.0.0 re-published as `version` (a title change: any bump will do)."""
    return {**tick("1.0.0"), "version": version, "title": f"ticks {version}"}
