"""A live registry on a loopback port with ticks_v1 1.0.0 and 1.1.0, and tick CSV writers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from aiohttp.test_utils import TestServer

from service.app import create_app
from tests.api.conftest import tick
from tests.auth import bearer, secured

HEADER = "ts,symbol,price,size,side,exchange_id"
GOOD = "2026-01-02T03:04:05Z,AAPL,101.5,100,B,7"

Server = TestServer


@pytest_asyncio.fixture
async def registry() -> AsyncIterator[Server]:
    """The registry app served over real HTTP, ticks_v1 1.0.0 and 1.1.0 published."""
    server: Server = TestServer(create_app(secured(store_url="memory://")))
    await server.start_server()
    async with aiohttp.ClientSession(headers=bearer("admin")) as session:
        for version in ("1.0.0", "1.1.0"):
            url = str(server.make_url("/schema/ticks_v1"))
            async with session.post(url, json=tick(version)) as response:
                assert response.status == 201, await response.text()
    yield server
    await server.close()


def base_url(server: Server) -> str:
    return str(server.make_url("")).rstrip("/")


def write_csv(path: Path, *lines: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path
