"""Live invalidation over the hub: real publishes and deletes, a registry restarted under the
client, a hub that talks nonsense, one that hangs up at once, and a clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from registry_client import RegistryClient, Unauthorized
from tests.api.conftest import tick
from tests.auth import secured, token
from tests.client.conftest import delete, minor, publish, start_registry, url

pytestmark = pytest.mark.asyncio


POLL = 0.02


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> None:
    """Polls `check` until it holds; fails after `within` seconds."""
    for _ in range(round(within / POLL)):
        if await check():
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"{check.__name__} did not hold within {within} s")


async def test_a_publish_invalidates_the_cached_latest_within_a_second(
    registry: TestServer,
) -> None:
    async with RegistryClient(url(registry), ttl=3600) as client:
        assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        async with asyncio.timeout(1):
            await client.wait_live()
        await publish(registry, minor("1.1.0"))

        # The TTL is an hour: only the hub can make this happen.
        async def updated() -> bool:
            version: str = (await client.get("ticks_v1"))["version"]
            return version == "1.1.0"

        await eventually(updated, within=1)
        assert client.stats.invalidations == 1


async def test_a_delete_drops_pinned_versions_too(registry: TestServer) -> None:
    async with RegistryClient(url(registry), ttl=3600) as client:
        await client.get("ticks_v1@1.0.0")
        await client.get("ticks_v1")
        async with asyncio.timeout(1):
            await client.wait_live()
        await delete(registry, "ticks_v1")

        async def dropped() -> bool:
            return client.stats.invalidations == 2

        await eventually(dropped, within=1)


async def test_the_subscription_carries_the_token() -> None:
    # Reads need a token here, so a subscription without one would be closed after 5 s.
    server = await start_registry(secured(store_url="memory://", require_auth_for_reads=True))
    try:
        await publish(server, tick("1.0.0"))
        async with RegistryClient(url(server), live=False) as anonymous:
            with pytest.raises(Unauthorized):
                await anonymous.get("ticks_v1")
        async with RegistryClient(url(server), token=token("reader"), ttl=3600) as client:
            await client.get("ticks_v1")
            async with asyncio.timeout(1):
                await client.wait_live()
            await publish(server, minor("1.1.0"))

            async def updated() -> bool:
                version: str = (await client.get("ticks_v1"))["version"]
                return version == "1.1.0"

            await eventually(updated, within=1)
    finally:
        await server.close()


async def test_a_registry_restarted_with_a_new_history_is_followed() -> None:
    first = await start_registry()
    port = first.port
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        await publish(first, minor(version))
    async with RegistryClient(url(first), ttl=3600, retries=0) as client:
        assert (await client.get("ticks_v1"))["version"] == "1.2.0"
        async with asyncio.timeout(1):
            await client.wait_live()
        await first.close()
        # Restored from an older backup: its revision is behind what the client has seen, so
        # no replay can describe the difference; the client must drop what it holds.
        second = await start_registry(port=port)
        try:
            await publish(second, minor("1.0.0", title="restored"))

            async def restored() -> bool:
                title: str = (await client.get("ticks_v1"))["title"]
                return title == "restored"

            await eventually(restored, within=1.5)
        finally:
            await second.close()


# -- hubs that are not the registry's -----------------------------------------------------------


TITLE = web.AppKey("title", list[str])
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Hook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]


async def _fake_hub(ws_handler: Handler, before_answer: Hook | None = None) -> TestServer:
    """`/ws` as `ws_handler` says, and `/schema/{id}`: ticks 1.0.0 titled `app[TITLE][0]`."""

    async def document(request: web.Request) -> web.Response:
        return web.json_response({**tick("1.0.0"), "title": request.app[TITLE][0]})

    app = web.Application()
    app[TITLE] = ["first"]
    app.router.add_get("/schema/{id}", document)
    app.router.add_get("/ws", ws_handler)
    if before_answer is not None:
        app.on_response_prepare.append(before_answer)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_nonsense_from_the_hub_is_ignored_and_the_subscription_survives() -> None:
    go = asyncio.Event()

    async def hub(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()  # the subscribe frame
        await ws.send_str('{"type": "subscribed", "ids": ["*"], "revision": 3}')
        await go.wait()
        for nonsense in ("not json", "[1, 2]", '"text"', "null", '{"type": 5}'):
            await ws.send_str(nonsense)
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str('{"type": "schema.version.created", "subject": 5, "revision": "x"}')
        await ws.send_str('{"type": "subscribed", "revision": true}')
        request.app[TITLE][0] = "second"
        event = {"type": "schema.version.created", "subject": "ticks_v1", "revision": 4}
        await ws.send_bytes(orjson.dumps(event))  # binary frames are not the protocol: ignored
        await ws.send_str(orjson.dumps(event).decode())
        await ws.receive()  # until the client goes
        return ws

    server = await _fake_hub(hub)
    try:
        async with RegistryClient(url(server), ttl=3600) as client:
            assert (await client.get("ticks_v1"))["title"] == "first"
            async with asyncio.timeout(1):
                await client.wait_live()
            go.set()

            async def updated() -> bool:
                title: str = (await client.get("ticks_v1"))["title"]
                return title == "second"

            await eventually(updated, within=1)
            assert client.stats.invalidations == 1
    finally:
        await server.close()


async def test_an_answer_overtaken_by_an_event_is_not_cached() -> None:
    # The registry answers with the old document after the hub already announced a new one
    # (the request was in flight across the publish): that answer must not stick for the TTL.
    announce = asyncio.Event()

    async def hub(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()
        await ws.send_str('{"type": "subscribed", "ids": ["*"], "revision": 1}')
        await announce.wait()
        await ws.send_str(
            '{"type": "schema.version.created", "subject": "ticks_v1", "revision": 2}'
        )
        await ws.receive()
        return ws

    async def slow_old_answer(request: web.Request, response: web.StreamResponse) -> None:
        if request.path == "/schema/ticks_v1" and request.app[TITLE][0] == "first":
            request.app[TITLE][0] = "second"  # what any later request sees
            announce.set()
            await asyncio.sleep(0.2)  # the event reaches the client first

    server = await _fake_hub(hub, slow_old_answer)
    try:
        async with RegistryClient(url(server), ttl=3600) as client:
            async with asyncio.timeout(1):
                await client.wait_live()
            assert (await client.get("ticks_v1"))["title"] == "first"
            assert (await client.get("ticks_v1"))["title"] == "second"
            assert (client.stats.misses, client.stats.hits) == (2, 0)
    finally:
        await server.close()


@pytest.mark.parametrize("answer", ["hang_up", "refuse"])
async def test_a_hub_that_drops_every_connection_is_not_hammered(answer: str) -> None:
    connections = 0

    async def hub(request: web.Request) -> web.StreamResponse:
        nonlocal connections
        connections += 1
        if answer == "refuse":
            return web.json_response({"error": "internal_error", "message": "x"}, status=500)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close()
        return ws

    server = await _fake_hub(hub)
    try:
        async with RegistryClient(url(server)) as client:
            await client.get("ticks_v1")
            await asyncio.sleep(1.0)
        # Backoff 0.1, 0.5, 1 s...: attempts at 0, 0.1 and 0.6 s, never a tight loop.
        assert 2 <= connections <= 4
    finally:
        await server.close()


async def test_close_leaves_no_task_behind(registry: TestServer) -> None:
    client = RegistryClient(url(registry))
    await client.get("ticks_v1")
    async with asyncio.timeout(1):
        await client.wait_live()
    await client.close()
    await client.close()  # twice is fine
    # The registry's own tasks share this loop; none of the client's may be left.
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("registry-client")]
    with pytest.raises(RuntimeError, match="closed"):
        await client.get("ticks_v1")
