"""A real registry on a loopback port for the SDK, helpers to publish into it, and a count of the
requests it answered (what the cache saved is measured at the server, not only in `stats`)."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from service.app import create_app
from service.settings import Settings
from tests.api.conftest import tick
from tests.auth import bearer, secured

# "GET /schema/ticks_v1 200" -> how many times the registry answered it.
REQUESTS = web.AppKey("client_test_requests", Counter[str])


async def start_registry(settings: Settings | None = None, port: int | None = None) -> TestServer:
    """A registry (memory store unless `settings` say otherwise) that counts what it answers."""
    app = create_app(settings or secured(store_url="memory://"))
    app[REQUESTS] = Counter()

    async def count(request: web.Request, response: web.StreamResponse) -> None:
        app[REQUESTS][f"{request.method} {request.path} {response.status}"] += 1

    app.on_response_prepare.append(count)
    server = TestServer(app, port=port)
    await server.start_server()
    return server


@pytest_asyncio.fixture
async def registry() -> AsyncIterator[TestServer]:
    """A registry holding ticks_v1 1.0.0."""
    server = await start_registry()
    await publish(server, tick("1.0.0"))
    yield server
    await server.close()


def requests(server: TestServer) -> Counter[str]:
    return server.app[REQUESTS]


def url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def publish(server: TestServer, document: dict[str, Any]) -> None:
    async with (
        ClientSession() as session,
        session.post(
            f"{url(server)}/schema/{document['id']}", json=document, headers=bearer("ci-bot")
        ) as response,
    ):
        assert response.status in (200, 201), await response.text()


async def delete(server: TestServer, schema_id: str) -> None:
    async with (
        ClientSession() as session,
        session.delete(f"{url(server)}/schema/{schema_id}", headers=bearer("admin")) as response,
    ):
        assert response.status == 200, await response.text()


def minor(version: str, title: str | None = None) -> dict[str, Any]:
    """ticks_v1 1.0.0 re-published as `version` (a title change: any bump will do)."""
    return {**tick("1.0.0"), "version": version, "title": title or f"ticks {version}"}
