"""The one wiring module: `create_app` connects settings, store, index, registry, metrics, API."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable

import orjson
from aiohttp import WSCloseCode, web

from hub import Hub, HubEvent
from service.api.broadcast import Broadcaster
from service.api.routes import add_routes
from service.api.state import (
    BROADCASTER,
    GUARD,
    HUB,
    INDEX,
    METRICS,
    REGISTRY,
    SETTINGS,
    STORE,
    WS_CONNECTIONS,
)
from service.events import envelope
from service.index import ReadIndex
from service.metrics import Metrics
from service.notify import notifier_context
from service.registry import Registry
from service.security.guard import Guard, GuardConfig
from service.security.ratelimit import REFILL_INTERVAL
from service.security.tokens import TokenVerifier
from service.settings import Settings
from service.storage import open_store
from service.storage.contract import Event, Store
from service.ui import state as ui

log = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def _store_context(store: Store | None) -> CleanupContext:
    async def store_context(app: web.Application) -> AsyncIterator[None]:
        if store is not None:
            # An injected store belongs to the caller, who started it and will close it.
            app[STORE] = store
            yield
            return
        opened = open_store(app[SETTINGS].store_url)
        await opened.start()
        app[STORE] = opened
        try:
            yield
        finally:
            await opened.close()

    return store_context


def _feed(hub: Hub) -> Callable[[Event], None]:
    """Index events into the hub, each envelope encoded once for every subscriber."""

    def publish(event: Event) -> None:
        frame = orjson.dumps(envelope(event))
        hub.publish(HubEvent(event.revision, event.subject, frame, time.perf_counter()))

    return publish


async def _index_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    hub = Hub(queue_size=settings.ws_queue_size, replay_size=settings.ws_replay_size)
    reset = functools.partial(hub.reset, reason="the store's history was replaced; re-read")
    index = ReadIndex(app[STORE], on_event=_feed(hub), on_reload=reset)
    await index.load()
    # The hub starts where the index does: its replay window holds what happens from now on.
    hub.start_at(index.revision)
    app[HUB] = hub
    app[METRICS].hub.source = hub
    app[INDEX] = index
    follower = asyncio.create_task(index.run(), name="read-index-watch")
    try:
        yield
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        hub.close()


async def _close_websockets(app: web.Application) -> None:
    # on_shutdown runs before the cleanup contexts: clients hear "going away", not a reset.
    await app[BROADCASTER].close()
    connections: set[web.WebSocketResponse] = app[WS_CONNECTIONS]
    for ws in list(connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


async def _registry_context(app: web.Application) -> AsyncIterator[None]:
    registry = Registry(app[STORE], app[INDEX])
    app[REGISTRY] = registry
    seed_dir = app[SETTINGS].seed_dir
    if seed_dir is not None:
        count = await registry.seed(seed_dir)
        log.info("seeded %d versions from %s", count, seed_dir)
    yield


async def _refill_context(app: web.Application) -> AsyncIterator[None]:
    """Credits the rate-limit buckets every REFILL_INTERVAL, off the request path."""
    loop = asyncio.get_running_loop()
    guard = app[GUARD]
    handle: asyncio.TimerHandle | None = None

    def tick() -> None:
        nonlocal handle
        guard.refill()
        handle = loop.call_later(REFILL_INTERVAL, tick)

    tick()
    try:
        yield
    finally:
        if handle is not None:
            handle.cancel()


def _guard(settings: Settings) -> Guard:
    """The access rules; `ValueError` for an unusable key (caught by `serve` before binding)."""
    verifier = TokenVerifier(settings.jwt) if settings.jwt.configured else None
    guard = Guard(
        GuardConfig(
            dev=settings.dev,
            verifier=verifier,
            reads_need_token=settings.require_auth_for_reads,
            read_budget=settings.read_budget,
            write_budget=settings.write_budget,
        )
    )
    if settings.dev:
        log.warning("DEV MODE (--dev): authentication is OFF; every client is admin and may write")
    elif verifier is None:
        log.warning(
            "no JWT key configured (--jwt-secret or --jwt-public-key): every write is refused"
        )
    else:
        log.info("authentication: %s", guard.mode)
    return guard


def create_app(settings: Settings, store: Store | None = None) -> web.Application:
    """The aiohttp application; `store`, when given, must be started and is not closed here."""
    metrics = Metrics()
    guard = _guard(settings)
    app = web.Application(
        # Routes read bodies themselves with their own limits; this is the outer bound.
        client_max_size=settings.max_validate_body,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[GUARD] = guard
    app[WS_CONNECTIONS] = set()
    app[BROADCASTER] = Broadcaster()
    app.on_shutdown.append(_close_websockets)
    app.cleanup_ctx.extend(
        [
            _refill_context,
            _store_context(store),
            _index_context,
            _registry_context,
            notifier_context,
        ]
    )
    ui.setup(app)
    add_routes(app, guard, metrics.requests)
    return app
