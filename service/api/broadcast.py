"""The /ws broadcaster: drains the hub queues of many connections from one task."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable
from typing import Protocol


class Flushable(Hashable, Protocol):
    async def flush(self) -> None:
        """Sends what the connection has queued (or hands it to a task of its own)."""


class Broadcaster:
    """Sends what the hub queued, for every connection, from one task.

    A task per connection parked on its queue costs a wake-up per event per subscriber (about
    as much again as the send itself), so connections whose socket keeps up are drained here in
    one loop; only a connection whose socket is backed up gets a task of its own until it has
    caught up, so it never holds up the others.
    """

    def __init__(self) -> None:
        self._ready: dict[Flushable, None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def ready(self, connection: Flushable) -> None:
        self._ready[connection] = None
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ws-broadcaster")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._ready:
                batch = list(self._ready)
                self._ready.clear()
                for connection in batch:
                    await connection.flush()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
