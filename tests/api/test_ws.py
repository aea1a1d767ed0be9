"""/ws: subscriptions, event frames in commit order, replay with `since`, hostile frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from tests.api.conftest import Client, publish, tick
from tests.auth import bearer, secured, token

pytestmark = pytest.mark.asyncio

WS = aiohttp.ClientWebSocketResponse
TIMEOUT = 5.0


async def frame(ws: WS) -> dict[str, Any]:
    message = await ws.receive(timeout=TIMEOUT)
    assert message.type == WSMsgType.TEXT, message
    result: dict[str, Any] = message.json()
    return result


async def subscribe(ws: WS, ids: list[str], since: int | None = None) -> dict[str, Any]:
    await ws.send_json({"op": "subscribe", "ids": ids, "since": since})
    answer = await frame(ws)
    assert answer["type"] == "subscribed", answer
    return answer


def version_doc(minor: int) -> dict[str, Any]:
    return tick("1.0.0") | {"version": f"1.{minor}.0"}


@pytest_asyncio.fixture
async def small_hub(aiohttp_client: AiohttpClient) -> AsyncIterator[Client]:
    settings = secured(store_url="memory://", ws_queue_size=8, ws_replay_size=20)
    yield await aiohttp_client(create_app(settings), headers=bearer())


async def test_one_id_gets_its_events_in_order_with_envelopes(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        subscribed = await subscribe(ws, ["ticks_v1"])
        assert subscribed["ids"] == ["ticks_v1"]
        assert subscribed["revision"] == 0
        assert (await publish(client, tick("1.0.0"))).status == 201
        await publish(client, tick("1.0.0") | {"id": "other"}, "other")
        assert (await client.put("/config/ticks_v1", json={"mode": "FULL"})).status == 200
        assert (await client.delete("/schema/ticks_v1")).status == 200
        received = [await frame(ws) for _ in range(3)]
    assert [(e["type"], e["revision"]) for e in received] == [
        ("schema.version.created", 1),
        ("schema.config.updated", 3),
        ("schema.deleted", 4),
    ]
    created = received[0]
    assert created["specversion"] == "1.0"
    assert created["source"] == "schema-registry"
    assert created["subject"] == "ticks_v1"
    assert created["data"]["version"] == "1.0.0"


async def test_star_gets_every_event(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["*"])
        await publish(client, tick("1.0.0"))
        await publish(client, tick("1.0.0") | {"id": "other"}, "other")
        await client.put("/config", json={"mode": "FULL"})
        received = [await frame(ws) for _ in range(3)]
    assert [(e["subject"], e["revision"]) for e in received] == [
        ("ticks_v1", 1),
        ("other", 2),
        ("", 3),
    ]


async def test_reconnect_with_since_replays_what_was_missed_once(client: Client) -> None:
    await publish(client, version_doc(0))
    for minor in range(1, 51):
        assert (await publish(client, version_doc(minor))).status == 201
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["ticks_v1"], since=1)
        replayed = [await frame(ws) for _ in range(50)]
        await publish(client, version_doc(51))
        live = await frame(ws)
    assert [e["revision"] for e in replayed] == list(range(2, 52))
    assert [e["data"]["version"] for e in replayed] == [f"1.{m}.0" for m in range(1, 51)]
    assert live["revision"] == 52


async def test_since_beyond_the_replay_window_is_resync(small_hub: Client) -> None:
    await publish(small_hub, version_doc(0))
    for minor in range(1, 30):
        await publish(small_hub, version_doc(minor))
    async with small_hub.ws_connect("/ws") as ws:
        await subscribe(ws, ["ticks_v1"], since=1)
        resync = await frame(ws)
    assert resync["type"] == "resync"
    assert resync["reason"]


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"op": "dance"}', "unknown_op"),
        ('{"op": "subscribe"}', "invalid_ids"),
        ('{"op": "subscribe", "ids": []}', "invalid_ids"),
        ('{"op": "subscribe", "ids": ["../etc"]}', "invalid_ids"),
        ('{"op": "subscribe", "ids": [42]}', "invalid_ids"),
        ('{"op": "subscribe", "ids": ["a"], "since": -1}', "invalid_since"),
        ('{"op": "subscribe", "ids": ["a"], "since": "1"}', "invalid_since"),
        ('{"op": "auth"}', "invalid_token"),
    ],
)
async def test_bad_frames_get_an_error_and_the_connection_lives(
    client: Client, sent: str, code: str
) -> None:
    async with client.ws_connect("/ws") as ws:
        await ws.send_str(sent)
        error = await frame(ws)
        assert error == {"type": "error", "code": code, "message": error["message"]}
        # Still usable afterwards.
        await subscribe(ws, ["ticks_v1"])


async def test_binary_frames_get_an_error(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await ws.send_bytes(b"\x00\x01")
        assert (await frame(ws))["code"] == "binary_frame"


async def test_a_huge_frame_closes_the_connection_cleanly(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await ws.send_str('{"op": "subscribe", "ids": ["' + "a" * 200_000 + '"]}')
        message = await ws.receive(timeout=TIMEOUT)
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    # The server is fine.
    assert (await client.get("/health/live")).status == 200


async def test_auth_is_checked_and_acknowledged(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await ws.send_json({"op": "auth", "token": token("reader", "quant-7")})
        assert await frame(ws) == {
            "type": "authenticated",
            "principal": "quant-7",
            "role": "reader",
        }
        await ws.send_json({"op": "auth", "token": "anything"})
        refused = await frame(ws)
        assert (refused["type"], refused["code"]) == ("error", "invalid_token")
        # A refused token leaves the connection as it was: it still subscribes.
        await subscribe(ws, ["ticks_v1"])


async def test_unsubscribe_stops_delivery(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["ticks_v1", "other"])
        await ws.send_json({"op": "unsubscribe", "ids": ["ticks_v1"]})
        assert (await frame(ws))["type"] == "unsubscribed"
        await publish(client, tick("1.0.0"))
        await publish(client, tick("1.0.0") | {"id": "other"}, "other")
        assert (await frame(ws))["subject"] == "other"


async def test_a_foreign_origin_is_refused(client: Client) -> None:
    response = await client.get(
        "/ws",
        headers={
            "Origin": "https://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"
    async with client.ws_connect("/ws", origin=f"http://{client.host}:{client.port}") as ws:
        await subscribe(ws, ["*"])


async def test_a_plain_get_is_a_json_400(client: Client) -> None:
    response = await client.get("/ws")
    assert response.status == 400
    assert "error" in await response.json()


async def test_shutdown_closes_with_going_away(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["*"])
        runner = client.server.runner
        assert runner is not None
        await runner.shutdown()
        message = await ws.receive(timeout=TIMEOUT)
        assert message.type == WSMsgType.CLOSE
        assert ws.close_code == aiohttp.WSCloseCode.GOING_AWAY


async def test_hub_figures_are_in_metrics(client: Client) -> None:
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["*"])
        await publish(client, tick("1.0.0"))
        await frame(ws)
        text = await (await client.get("/metrics")).text()
    assert "schema_registry_ws_subscribers 1.0" in text
    assert "schema_registry_ws_events_published_total 1.0" in text
    assert "schema_registry_ws_subscribers_dropped_total 0.0" in text
    assert "schema_registry_ws_send_latency_seconds_count 1.0" in text
