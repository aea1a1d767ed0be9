"""The blocking facade, with the registry served from a loop on another thread (as it would be
from another process): plain calls, calls from inside a running loop (Jupyter), and shutdown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestServer

from registry_client import RegistryError, SchemaNotFound, SyncRegistryClient
from tests.client.conftest import minor, publish, start_registry, url


@pytest.fixture
def served() -> Iterator[str]:
    """The URL of a registry holding ticks_v1 1.0.0, its loop running on a thread of its own."""
    loop = asyncio.new_event_loop()

    async def serve() -> TestServer:
        server = await start_registry()
        await publish(server, minor("1.0.0"))
        return server

    server = loop.run_until_complete(serve())
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        yield url(server)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join()
        loop.run_until_complete(server.close())
        loop.close()


def test_the_sync_facade_round_trip(served: str) -> None:
    with SyncRegistryClient(served, live=False) as client:
        assert client.get("ticks_v1")["version"] == "1.0.0"
        assert client.get("ticks_v1@1.0.0")["version"] == "1.0.0"
        assert client.versions("ticks_v1") == ["1.0.0"]
        assert client.check_compat("ticks_v1", minor("1.0.1"))["required_bump"] == "patch"
        assert client.validate("ticks_v1", {"symbol": 1})["invalid"] == 1
        validator = client.validator("ticks_v1@1.0.0")
        with pytest.raises(Exception, match="must contain"):
            validator({})
        assert client.arrow_schema("ticks_v1").names[0] == "ts"
        with pytest.raises(SchemaNotFound):
            client.get("nope_v1")
        assert client.stats.misses == 3
    # Its loop thread is gone (the registry's executor threads share the count: go by name).
    assert "registry-client" not in {thread.name for thread in threading.enumerate()}
    with pytest.raises(RuntimeError, match="closed"):
        client.get("ticks_v1")
    client.close()  # twice is fine


def test_it_works_where_a_loop_is_already_running(served: str) -> None:
    async def notebook_cell() -> str:
        # A loop runs on this thread (as in Jupyter); blocking on our own loop's thread is fine.
        with SyncRegistryClient(served) as client:
            version: str = client.get("ticks_v1")["version"]
            return version

    assert asyncio.run(notebook_cell()) == "1.0.0"


def test_bad_settings_leave_no_thread_behind() -> None:
    with pytest.raises(ValueError, match="retries"):
        SyncRegistryClient("http://127.0.0.1:9", retries=-1)
    assert "registry-client" not in {thread.name for thread in threading.enumerate()}
    with (
        SyncRegistryClient("http://127.0.0.1:9", live=False, retries=0) as client,
        pytest.raises(RegistryError, match="unreachable"),
    ):
        client.get("ticks_v1")
