"""Live invalidation: one WebSocket subscription to the registry's hub drops cached entries the
moment a new version or a delete of their id commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
import orjson

from registry_client.cache import SchemaCache

log = logging.getLogger(__name__)

# Seconds between reconnects: quick at first, then bounded so a long outage costs nothing.
_BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0)
_DROPS_ID = {"schema.version.created": False, "schema.deleted": True}


def ws_url(base_url: str) -> str:
    if base_url.startswith("https://"):
        return "wss://" + base_url.removeprefix("https://") + "/ws"
    return "ws://" + base_url.removeprefix("http://") + "/ws"


class LiveInvalidator:
    """Follows `/ws` with `["*"]`, resuming with `since` after a drop; `connected` is set while
    subscribed (tests and callers can wait on it)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        cache: SchemaCache,
        headers: dict[str, str],
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self._session = session
        self._url = ws_url(base_url)
        self._cache = cache
        self._headers = headers
        self._on_event = on_event
        self._since: int | None = None
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.create_task(self._run(), name="registry-client-live")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._follow()
                failures = 0
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                log.debug("live invalidation: %s", exc)
            self.connected.clear()
            # Whatever happened while disconnected is unknown unless the replay covers it; the
            # resync frame says when it cannot, so latest entries are dropped then.
            await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
            failures += 1

    async def _follow(self) -> None:
        async with self._session.ws_connect(self._url, headers=self._headers, heartbeat=30) as ws:
            await ws.send_json({"op": "subscribe", "ids": ["*"], "since": self._since})
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._handle(orjson.loads(message.data))

    def _handle(self, frame: dict[str, object]) -> None:
        kind = frame.get("type")
        if kind == "subscribed":
            if self._since is None and isinstance(frame.get("revision"), int):
                self._since = frame["revision"]  # type: ignore[assignment]
            self.connected.set()
            return
        if kind == "resync":
            self._cache.invalidate_latest()
            return
        revision = frame.get("revision")
        if isinstance(revision, int):
            self._since = revision
        subject = frame.get("subject")
        if isinstance(kind, str) and kind in _DROPS_ID and isinstance(subject, str):
            self._cache.invalidate(subject, everything=_DROPS_ID[kind])
            if self._on_event is not None:
                self._on_event(subject)
