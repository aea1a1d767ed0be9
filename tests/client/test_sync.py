"""The blocking facade, and settings refused before any request (no event loop needed)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp.test_utils import TestServer

from registry_client import RegistryClient, SyncRegistryClient
from service.app import create_app
from tests.auth import secured
from tests.client.conftest import minor, publish, url


def test_bad_settings() -> None:
    with pytest.raises(ValueError, match="http"):
        RegistryClient("ftp://x")
    with pytest.raises(ValueError, match="retries"):
        RegistryClient("http://x", retries=99)


def test_the_sync_facade_round_trip() -> None:
    async def serve() -> TestServer:
        server = TestServer(create_app(secured(store_url="memory://")))
        await server.start_server()
        await publish(server, minor("1.0.0"))
        return server

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(serve())
    try:
        # The server's loop must run while the facade's thread calls it.
        runner = threading.Thread(target=loop.run_forever, daemon=True)
        runner.start()
        with SyncRegistryClient(url(server), live=False) as client:
            assert client.get("ticks_v1")["version"] == "1.0.0"
            assert client.versions("ticks_v1") == ["1.0.0"]
            assert client.stats.misses == 1
        loop.call_soon_threadsafe(loop.stop)
        runner.join()
    finally:
        loop.run_until_complete(server.close())
        loop.close()
