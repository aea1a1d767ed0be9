"""One consumer's filter and bounded queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.events import HubClosed, HubEvent, Overflow, Resync

__all__ = ["Subscription"]

Item = HubEvent | Resync


class _End:
    """Queued after the last item so that getters blocked on an empty queue wake up."""

    __slots__ = ()


_END = _End()


class Subscription:
    """One connection's subscription: a mutable id filter and one bounded queue.

    Created by `Hub.subscribe`; a caller may also build one itself to choose its queue size
    (a notifier that tolerates bursts, say) and hand it to `Hub.subscribe`, which adopts it.
    The filter and the queue are changed only by the hub that owns it.
    """

    # __weakref__: the hub tracks subscriptions it no longer routes to only weakly.
    __slots__ = (
        "__weakref__",
        "_ended",
        "_ids",
        "_overflowed",
        "_owner",
        "_queue",
        "_wildcard",
        "on_overflow",
        "on_ready",
    )

    def __init__(self, *, queue_size: int = 1024) -> None:
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(f"queue_size must be a positive int, got {queue_size!r}")
        # One extra slot keeps room for the end marker, so ending never depends on the queue
        # having space; `_offer` enforces the real bound itself.
        self._queue: asyncio.Queue[Item | _End] = asyncio.Queue(maxsize=queue_size + 1)
        self._ids: frozenset[str] = frozenset()
        self._wildcard = False
        self._overflowed = False
        self._ended = False
        self._owner: object | None = None
        # Called once when the hub drops this subscription for a full queue: its reader may be
        # stuck sending to a client that stopped reading, and never come back to `get()`.
        self.on_overflow: Callable[[], None] | None = None
        # Called after each item is queued, so a sender can drain many subscriptions from one
        # task instead of parking a task per subscription on `get()`.
        self.on_ready: Callable[[], None] | None = None

    @property
    def ids(self) -> frozenset[str]:
        """The current filter; "*" means every subject."""
        return self._ids

    @property
    def overflowed(self) -> bool:
        """True once the queue filled; the hub has already removed the subscription."""
        return self._overflowed

    @property
    def closed(self) -> bool:
        """True once nothing more will be queued (hub closed, or dropped for overflow)."""
        return self._ended

    @property
    def maxsize(self) -> int:
        return self._queue.maxsize - 1

    def qsize(self) -> int:
        # Once ended, the end marker sits behind the items for good.
        return self._queue.qsize() - self._ended

    async def get(self) -> HubEvent | Resync:
        """The next item, waiting for one if need be.

        Raises `HubClosed` (`Overflow` after an overflow) once the subscription has ended and
        every item queued before that has been returned.
        """
        item = await self._queue.get()
        if isinstance(item, _End):
            # Put it back: every later or concurrent getter must see the end too.
            self._queue.put_nowait(item)
            raise self._end_error()
        return item

    def get_nowait(self) -> HubEvent | Resync | None:
        """The next item if one is queued, else None (also at the end: `get` raises there)."""
        try:
            item = self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None
        if isinstance(item, _End):
            self._queue.put_nowait(item)
            return None
        return item

    def __repr__(self) -> str:
        state = "overflowed" if self._overflowed else "closed" if self._ended else "open"
        return f"<Subscription {state} ids={sorted(self._ids)} queued={self.qsize()}>"

    # The hub's side.

    def _space(self) -> int:
        return self.maxsize - self.qsize()

    def _offer(self, item: Item) -> bool:
        """Queue `item` without waiting; False when the queue is full or the stream ended."""
        if self._ended or self._queue.qsize() >= self.maxsize:
            return False
        self._queue.put_nowait(item)
        if self.on_ready is not None:
            self.on_ready()
        return True

    def _end(self, *, overflowed: bool) -> None:
        if self._ended:
            return
        self._ended = True
        self._overflowed = overflowed
        self._queue.put_nowait(_END)
        if overflowed and self.on_overflow is not None:
            self.on_overflow()

    def _end_error(self) -> HubClosed:
        if self._overflowed:
            return Overflow(f"subscription dropped: its queue of {self.maxsize} filled")
        return HubClosed("the hub is closed")
