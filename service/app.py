"""The one wiring module: `create_app` connects settings, store, index, registry, metrics, API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from service.api.routes import add_routes
from service.api.state import INDEX, METRICS, REGISTRY, SETTINGS, STORE
from service.index import ReadIndex
from service.metrics import Metrics
from service.registry import Registry
from service.settings import Settings
from service.storage import open_store
from service.storage.contract import Store

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


async def _index_context(app: web.Application) -> AsyncIterator[None]:
    index = ReadIndex(app[STORE])
    await index.load()
    app[INDEX] = index
    follower = asyncio.create_task(index.run(), name="read-index-watch")
    try:
        yield
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def _registry_context(app: web.Application) -> AsyncIterator[None]:
    registry = Registry(app[STORE], app[INDEX])
    app[REGISTRY] = registry
    seed_dir = app[SETTINGS].seed_dir
    if seed_dir is not None:
        count = await registry.seed(seed_dir)
        log.info("seeded %d versions from %s", count, seed_dir)
    yield


def create_app(settings: Settings, store: Store | None = None) -> web.Application:
    """The aiohttp application; `store`, when given, must be started and is not closed here."""
    metrics = Metrics()
    app = web.Application(
        # Routes read bodies themselves with their own limits; this is the outer bound.
        client_max_size=settings.max_validate_body,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    if settings.dev:
        log.warning("DEV MODE (--dev): authentication is OFF; every client may write")
    app.cleanup_ctx.extend([_store_context(store), _index_context, _registry_context])
    add_routes(app, metrics.requests)
    return app
