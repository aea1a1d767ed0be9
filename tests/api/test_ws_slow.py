"""A /ws client that stops reading is cut off (1013) while the others get every event."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from pytest_aiohttp import AiohttpClient

from service.api.state import HUB, STORE
from service.app import create_app
from tests.api.conftest import Client
from tests.auth import bearer, secured

pytestmark = pytest.mark.asyncio

QUEUE = 8
BIG = 64 * 1024


@pytest_asyncio.fixture
async def small_queues(aiohttp_client: AiohttpClient) -> AsyncIterator[Client]:
    app = create_app(secured(store_url="memory://", ws_queue_size=QUEUE))
    yield await aiohttp_client(app, headers=bearer())


def _masked_text(payload: bytes) -> bytes:
    # A client frame must be masked (RFC 6455 §5.3); payloads here stay under 126 bytes.
    assert len(payload) < 126
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + body


async def _stalled_subscriber(port: int) -> socket.socket:
    """A raw WebSocket client with a tiny receive buffer that subscribes and never reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    answer = b""
    async with asyncio.timeout(5):
        while b"\r\n\r\n" not in answer:
            answer += await loop.sock_recv(sock, 1024)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    await loop.sock_sendall(sock, _masked_text(b'{"op":"subscribe","ids":["*"]}'))
    return sock


async def test_a_stalled_subscriber_is_dropped_and_the_others_get_everything(
    small_queues: Client,
) -> None:
    app = small_queues.app
    assert small_queues.port is not None
    stalled = await _stalled_subscriber(small_queues.port)
    try:
        async with small_queues.ws_connect("/ws") as ws:
            await ws.send_json({"op": "subscribe", "ids": ["*"]})
            assert (await ws.receive_json(timeout=5))["type"] == "subscribed"
            hub = app[HUB]
            for _ in range(500):
                if hub.subscribers == 2:
                    break
                await asyncio.sleep(0.01)
            assert hub.subscribers == 2
            events = 64

            async def read_all() -> list[int]:
                received = []
                for _ in range(events):
                    message = await ws.receive(timeout=5)
                    assert message.type == WSMsgType.TEXT, message
                    received.append(message.json()["data"]["n"])
                return received

            reader = asyncio.create_task(read_all())
            # Big events fill the stalled socket's buffers, then its writer's, then its queue;
            # the reading subscriber keeps up (each event is yielded to it as it commits).
            for n in range(events):
                await app[STORE].append_event("test.big", "blob", {"n": n, "pad": "x" * BIG})
                await asyncio.sleep(0.005)
            assert await reader == list(range(events))
            assert hub.dropped_subscribers == 1
            assert hub.subscribers == 1
            # Cut off now, not when a heartbeat fails: reading what was left unread reaches the
            # end of the stream (a 1013 close frame, or an abort if even that could not pass).
            loop = asyncio.get_running_loop()
            tail = b""
            async with asyncio.timeout(10):
                while chunk := await loop.sock_recv(stalled, 1 << 20):
                    tail = (tail + chunk)[-64:]
            assert struct.pack("!H", 1013) + b"too slow: queue full" in tail, tail
            metrics = await (await small_queues.get("/metrics")).text()
            assert "schema_registry_ws_subscribers_dropped_total 1.0" in metrics
    finally:
        stalled.close()
