"""The notifier side of the hub: a follower that drains its own subscription, and an outbox.

Pure asyncio; knows envelopes (CloudEvents JSON), not the registry. A notifier may be slow (a
webhook that hangs until its timeout): it reads a `Subscription` of its own, on a task of its
own, so the hub's `publish` and every WebSocket subscriber are never held up by it.

Overflow: when the notifier falls a whole queue behind, the hub drops its subscription like any
other. The follower then subscribes again with `since` = the last revision it handled, so the
hub replays what it missed from its replay window; when the window no longer reaches back (or
the replay does not fit the queue: a burst more than `queue_size` events past the overflow) the
hub answers `Resync` and the follower tells the notifier through `missed(reason)` (one
"notifications were skipped" message), then continues live.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from hub.events import HubClosed, HubEvent, Overflow, Resync
from hub.hub import Hub
from hub.index import WILDCARD
from hub.subscription import Subscription

__all__ = ["Checkpoint", "HubFollower", "Notifier", "Outbox"]

log = logging.getLogger(__name__)

Envelope = Mapping[str, Any]


class Notifier(Protocol):
    """Something that tells people about events; each call may take as long as it needs."""

    async def notify(self, envelope: Envelope) -> None:
        """Handle one event envelope (or decide it is not worth a message)."""

    async def missed(self, reason: str) -> None:
        """Some events were lost to an overflow and cannot be replayed."""


class Checkpoint(Protocol):
    """Where a follower records the last revision it handled, so that a successor (another
    replica taking over) resumes after it instead of from "now"."""

    async def load(self) -> int | None: ...

    async def save(self, revision: int) -> None: ...


class HubFollower:
    """Feeds every hub event, in revision order, to `notifier`; `run()` until cancelled."""

    def __init__(
        self,
        hub: Hub,
        notifier: Notifier,
        *,
        queue_size: int = 1024,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self._hub = hub
        self._notifier = notifier
        self._queue_size = queue_size
        self._checkpoint = checkpoint
        # The last revision handed to the notifier (or recorded by a predecessor).
        self.revision: int | None = None
        self.overflows = 0

    async def run(self) -> None:
        if self._checkpoint is not None:
            self.revision = await self._checkpoint.load()
        while True:
            subscription = Subscription(queue_size=self._queue_size)
            self._hub.subscribe([WILDCARD], since=self.revision, subscription=subscription)
            try:
                await self._drain(subscription, live_after=self._hub.revision)
            except Overflow:
                self.overflows += 1
                log.warning("notifier fell %d events behind; replaying", self._queue_size)
            except HubClosed:
                return  # the hub is gone: nothing more will come
            finally:
                self._hub.unsubscribe(subscription)

    async def _drain(self, subscription: Subscription, live_after: int) -> None:
        while True:
            item = await subscription.get()
            if isinstance(item, Resync):
                await self._notifier.missed(item.reason)
                # What follows the notice is live: a later overflow must not ask for the gap.
                self.revision = max(self.revision or 0, live_after)
                continue
            await self._handle(item)

    async def _handle(self, event: HubEvent) -> None:
        # A checkpoint from another replica may be ahead of this replica's index.
        if self.revision is not None and event.revision <= self.revision:
            return
        try:
            envelope = orjson.loads(event.frame)
        except orjson.JSONDecodeError:
            log.error("notifier: undecodable frame at revision %d", event.revision)
        else:
            try:
                await self._notifier.notify(envelope)
            except Exception:
                # One bad message must not stop the notifications after it.
                log.exception("notifier failed on revision %d", event.revision)
        self.revision = event.revision
        if self._checkpoint is not None:
            try:
                await self._checkpoint.save(event.revision)
            except Exception:
                # A successor may then repeat this message; better than losing the next ones.
                log.exception("notifier could not record revision %d", event.revision)


class Outbox:
    """Envelopes produced locally (health changes, digests) for a notifier, bounded.

    `submit` never waits: when the notifier is stuck and the outbox full, the envelope is
    dropped and counted, so a producer is never slowed by Slack.
    """

    def __init__(self, notifier: Notifier, *, size: int = 64) -> None:
        self._notifier = notifier
        self._queue: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    def submit(self, envelope: Envelope) -> bool:
        try:
            self._queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("notifier outbox full; dropped a %s message", envelope.get("type"))
            return False
        return True

    async def run(self) -> None:
        while True:
            envelope = await self._queue.get()
            try:
                await self._notifier.notify(envelope)
            except Exception:
                log.exception("notifier failed on a %s message", envelope.get("type"))
