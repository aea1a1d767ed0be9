"""`GET /ws`: the WebSocket protocol of DESIGN §5 on top of the hub.

Client frames: `{"op": "subscribe", "ids": [...] | ["*"], "since": N?}`, `{"op": "unsubscribe",
"ids": [...]}`, `{"op": "auth", "token": "..."}`. Server frames: `subscribed`, `unsubscribed`,
`authenticated`, the events (the CloudEvents envelopes, pre-encoded once per event for every
subscriber), `resync`, `error`.
When reads need a token, a client that sent none in the Authorization header (browsers cannot)
must send `auth` as its first frame within AUTH_DEADLINE seconds, or is closed with 1008.
One broadcaster task drains the hub queues of connections that keep up; a backed-up connection
drains on a task of its own, and one whose queue fills is closed with 1013 without delaying
anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any

import orjson
from aiohttp import WSMessage, WSMsgType, web

from hub import Hub, HubEvent, Resync, Subscription
from service.api.access import audit_denial, principal_of
from service.api.state import BROADCASTER, GUARD, HUB, METRICS, SETTINGS, WS_CONNECTIONS
from service.domain.errors import DomainError
from service.domain.ids import validate_schema_id
from service.metrics import SendLatency
from service.security.guard import Denied, role_name
from service.security.roles import Principal

log = logging.getLogger(__name__)

HEARTBEAT = 20.0
# Client frames are small commands; anything bigger is refused by aiohttp with close 1009.
MAX_FRAME = 64 * 1024
MAX_IDS = 1000
TRY_AGAIN_LATER = 1013
# A WebSocket frame header is at most 10 bytes from a server.
FRAME_OVERHEAD = 10
CLOSE_TIMEOUT = 1.0
# Seconds an anonymous client has to send its `auth` frame when reads need a token.
AUTH_DEADLINE = 5.0
POLICY_VIOLATION = 1008
ACTION = "ws.subscribe"


class _ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _error(code: str, message: str) -> bytes:
    return orjson.dumps({"type": "error", "code": code, "message": message})


def _origin_allowed(request: web.Request) -> bool:
    """Browsers send Origin; a page on another site must not ride a user's connection."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = request.app[SETTINGS].ws_origins
    if "*" in allowed or origin in allowed:
        return True
    return origin.split("://", 1)[-1] == request.host


class _Connection:
    """One client: its subscription, and one lock that orders every frame sent to it."""

    def __init__(
        self, request: web.Request, ws: web.WebSocketResponse, hub: Hub, latency: SendLatency
    ) -> None:
        self.request = request
        self.ws = ws
        self.hub = hub
        self.latency = latency
        self.broadcaster = request.app[BROADCASTER]
        self.cutting: asyncio.Task[None] | None = None
        self.subscription: Subscription | None = None
        # Set while this connection's socket is backed up and it drains on its own.
        self.backlog: asyncio.Task[None] | None = None
        self.closed = False
        self.sending = asyncio.Lock()
        self.principal = principal_of(request)

    async def send(self, frame: bytes) -> None:
        async with self.sending:
            await self.ws.send_frame(frame, WSMsgType.TEXT)

    async def handle(self, raw: str) -> None:
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _ProtocolError("invalid_json", "frames must be JSON objects") from None
        if not isinstance(message, dict):
            raise _ProtocolError("invalid_frame", "frames must be JSON objects")
        op = message.get("op")
        if op == "subscribe":
            await self.subscribe(_ids(message), _since(message))
        elif op == "unsubscribe":
            ids = _ids(message)
            if self.subscription is not None:
                self.hub.unsubscribe(self.subscription, ids)
            await self.send(orjson.dumps({"type": "unsubscribed", "ids": ids}))
        elif op == "auth":
            await self.authenticate(message)
        else:
            raise _ProtocolError("unknown_op", "op must be subscribe, unsubscribe or auth")

    async def authenticate(self, message: dict[str, Any]) -> None:
        """Checks an `auth` frame's token; a refusal is audited and leaves the caller as it was."""
        token = message.get("token")
        try:
            if not isinstance(token, str):
                raise Denied(
                    401,
                    "invalid_token",
                    "auth needs a string token",
                    subject="anonymous",
                    role="anonymous",
                    audit=True,
                )
            self.principal = self.request.app[GUARD].verify(token)
        except Denied as denied:
            self.request.app[METRICS].denied.labels(denied.code).inc()
            await audit_denial(self.request, ACTION, denied)
            raise _ProtocolError(denied.code, denied.message) from None
        await self.send(_authenticated(self.principal))

    async def subscribe(self, ids: list[str], since: int | None) -> None:
        # Under the send lock: the `subscribed` frame goes out before any event it covers.
        async with self.sending:
            revision = self.hub.revision
            first = self.subscription is None
            subscription = self.hub.subscribe(ids, since, self.subscription)
            self.subscription = subscription
            if first:
                subscription.on_overflow = self.overflowed
                subscription.on_ready = functools.partial(self.broadcaster.ready, self)
            frame = {"type": "subscribed", "ids": sorted(subscription.ids), "revision": revision}
            await self.ws.send_frame(orjson.dumps(frame), WSMsgType.TEXT)
        if subscription.qsize():
            # A first subscription's replay was queued before on_ready was set.
            self.broadcaster.ready(self)

    async def flush(self) -> None:
        """Sends what is queued, unless the socket is backed up: then a task of its own does."""
        subscription = self.subscription
        if self.closed or self.backlog is not None or subscription is None:
            return
        while (item := subscription.get_nowait()) is not None:
            if self._would_wait(item):
                self.backlog = asyncio.create_task(self._drain(item), name="ws-backlog")
                return
            if not await self._deliver(item):
                return

    def _would_wait(self, item: HubEvent | Resync) -> bool:
        # A send waits only once the transport has paused writing, at its high-water mark;
        # below it after this frame, the broadcaster's await returns at once.
        transport = self.request.transport
        if transport is None:
            return True
        size = len(item.frame) if isinstance(item, HubEvent) else 256
        _, high = transport.get_write_buffer_limits()
        return bool(transport.get_write_buffer_size() + size + FRAME_OVERHEAD >= high)

    async def _drain(self, first: HubEvent | Resync) -> None:
        item: HubEvent | Resync | None = first
        while item is not None and await self._deliver(item):
            assert self.subscription is not None
            item = self.subscription.get_nowait()
        self.backlog = None
        if item is None and self.subscription is not None and self.subscription.qsize():
            self.broadcaster.ready(self)

    async def _deliver(self, item: HubEvent | Resync) -> bool:
        try:
            if isinstance(item, HubEvent):
                await self.send(item.frame)
                self.latency.observe(time.perf_counter() - item.published)
            else:
                await self.send(_resync(item))
        except (ConnectionError, RuntimeError):
            # The client went away while we were sending; its reader ends the connection.
            self.closed = True
            return False
        return True

    def overflowed(self) -> None:
        # Its sender may be stuck on a socket the client never reads: cut it off from here.
        self.cutting = asyncio.create_task(self.cut_off(), name="ws-cut-off")

    async def cut_off(self) -> None:
        self.closed = True
        if self.backlog is not None:
            self.backlog.cancel()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.ws.close(code=TRY_AGAIN_LATER, message=b"too slow: queue full")
        except (TimeoutError, ConnectionError, RuntimeError):
            # The close frame cannot get past what the client left unread.
            if self.request.transport is not None:
                self.request.transport.abort()

    async def close(self) -> None:
        self.closed = True
        if self.subscription is not None:
            self.hub.unsubscribe(self.subscription)
        for task in (self.backlog, self.cutting):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _authenticated(principal: Principal) -> bytes:
    frame = {"type": "authenticated", "principal": principal.subject, "role": role_name(principal)}
    return orjson.dumps(frame)


async def _authenticate_first(connection: _Connection) -> bool:
    """The first frame must be a valid `auth`; False (and the socket closed) otherwise."""
    ws = connection.ws
    try:
        async with asyncio.timeout(AUTH_DEADLINE):
            message = await ws.receive()
    except TimeoutError:
        message = None
    if message is not None and message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING):
        return False
    frame = _first_frame(message)
    if frame is None:
        reason = f"send {{'op': 'auth', 'token': …}} first, within {AUTH_DEADLINE:g} s"
        denied = Denied(
            401, "unauthenticated", reason, subject="anonymous", role="anonymous", audit=True
        )
        connection.request.app[METRICS].denied.labels(denied.code).inc()
        await audit_denial(connection.request, ACTION, denied)
        await _close_unauthenticated(connection, denied.code, reason)
        return False
    try:
        # Audits its own refusal.
        await connection.authenticate(frame)
    except _ProtocolError as exc:
        await _close_unauthenticated(connection, exc.code, exc.message)
        return False
    return True


def _first_frame(message: WSMessage | None) -> dict[str, Any] | None:
    """The first frame as an `auth` command, or None when it is anything else."""
    if message is None or message.type != WSMsgType.TEXT:
        return None
    try:
        frame = orjson.loads(message.data)
    except orjson.JSONDecodeError:
        return None
    return frame if isinstance(frame, dict) and frame.get("op") == "auth" else None


async def _close_unauthenticated(connection: _Connection, code: str, reason: str) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await connection.send(_error(code, reason))
        await connection.ws.close(code=POLICY_VIOLATION, message=b"authentication required")


def _resync(item: Resync) -> bytes:
    return orjson.dumps({"type": "resync", "reason": item.reason})


def _ids(message: dict[str, Any]) -> list[str]:
    ids = message.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS:
        raise _ProtocolError("invalid_ids", f'"ids" must be a list of 1 to {MAX_IDS} ids or ["*"]')
    for schema_id in ids:
        if schema_id != "*":
            try:
                validate_schema_id(schema_id)
            except DomainError as exc:
                raise _ProtocolError("invalid_ids", exc.message) from None
    return ids


def _since(message: dict[str, Any]) -> int | None:
    since = message.get("since")
    if since is None:
        return None
    if not isinstance(since, int) or isinstance(since, bool) or since < 0:
        raise _ProtocolError("invalid_since", '"since" must be a revision (integer >= 0)')
    return since


async def websocket(request: web.Request) -> web.StreamResponse:
    if not _origin_allowed(request):
        raise web.HTTPForbidden(reason="origin not allowed")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME, compress=False)
    await ws.prepare(request)
    connection = _Connection(request, ws, request.app[HUB], request.app[METRICS].ws_latency)
    connections = request.app[WS_CONNECTIONS]
    connections.add(ws)
    try:
        must_authenticate = request.app[GUARD].streams_need_token
        if (
            must_authenticate
            and connection.principal.anonymous
            and not await _authenticate_first(connection)
        ):
            return ws
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                try:
                    await connection.handle(message.data)
                except _ProtocolError as exc:
                    await connection.send(_error(exc.code, exc.message))
            elif message.type == WSMsgType.BINARY:
                await connection.send(_error("binary_frame", "send JSON text frames"))
    finally:
        connections.discard(ws)
        await connection.close()
    return ws
