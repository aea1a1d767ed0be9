"""Live invalidation: one WebSocket subscription to the registry's hub drops cached entries the
moment a new version or a delete of their id commits."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import orjson

from registry_client.cache import SchemaCache

log = logging.getLogger(__name__)

# Seconds between reconnects: quick at first, then bounded so a long outage costs nothing.
_BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0)
_DROPS_ID = {"schema.version.created": False, "schema.deleted": True}
# Events are a few KiB (a change list); a bigger frame is not the hub talking.
_MAX_FRAME = 4 * 1024 * 1024


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
    ) -> None:
        self._session = session
        self._url = ws_url(base_url)
        self._cache = cache
        self._headers = headers
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
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                log.debug("live invalidation: %s", exc)
            # Only a connection that got as far as `subscribed` resets the backoff: a server that
            # accepts and drops at once must not be hammered.
            if self.connected.is_set():
                failures = 0
            self.connected.clear()
            await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
            failures += 1

    async def _follow(self) -> None:
        async with self._session.ws_connect(
            self._url, headers=self._headers, heartbeat=30, max_msg_size=_MAX_FRAME
        ) as ws:
            await ws.send_json({"op": "subscribe", "ids": ["*"], "since": self._since})
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    frame = orjson.loads(message.data)
                except orjson.JSONDecodeError:
                    log.debug("live invalidation: a frame that is not JSON, ignored")
                    continue
                if isinstance(frame, dict):
                    self._handle(frame)

    def _handle(self, frame: dict[str, Any]) -> None:
        kind, revision = frame.get("type"), frame.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool):
            revision = None
        if kind == "subscribed":
            # A registry whose revision is behind what this client saw has a replaced history
            # (restored, or a fresh store), or is a replica still catching up: its replay cannot
            # be trusted to cover the gap, so treat it as a resync.
            if self._since is not None and revision is not None and revision < self._since:
                self._cache.invalidate_latest()
                self._since = revision
            elif self._since is None:
                self._since = revision
            self.connected.set()
            return
        if kind == "resync":
            self._cache.invalidate_latest()
            return
        if revision is not None:
            self._since = max(revision, self._since or 0)
        subject = frame.get("subject")
        if isinstance(kind, str) and kind in _DROPS_ID and isinstance(subject, str):
            self._cache.invalidate(subject, everything=_DROPS_ID[kind])
