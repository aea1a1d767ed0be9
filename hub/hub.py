"""The in-process fan-out of store events to subscribers, with a bounded replay window.

Pure asyncio and synchronous on the publishing side: `publish` never awaits, so the store's
event feed is never slowed by a consumer. Each subscriber has its own bounded queue; one that
falls a whole queue behind is dropped rather than allowed to hold anyone else back. Everything
here must be called from the event loop's thread.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable

from hub.events import HubEvent, Resync
from hub.index import WILDCARD, SubjectIndex, check_ids
from hub.subscription import Item, Subscription

__all__ = ["Hub"]


class Hub:
    """Routes each published event to the subscriptions whose filter names its subject."""

    def __init__(self, *, queue_size: int = 1024, replay_size: int = 10_000) -> None:
        _check_count("queue_size", queue_size, minimum=1)
        _check_count("replay_size", replay_size, minimum=0)
        self._queue_size = queue_size
        self._window: deque[HubEvent] = deque(maxlen=replay_size)
        self._revision = 0
        # Every event with a revision above this one is still in the window. It is not simply
        # "oldest retained - 1": store revisions have gaps (writes to keys that make no event).
        self._floor = 0
        self._index = SubjectIndex()
        self._registered: set[Subscription] = set()
        # Removed subscriptions are still ended by `close`, but must not be kept alive by it.
        self._owned: weakref.WeakSet[Subscription] = weakref.WeakSet()
        self._closed = False
        self.events_published = 0
        self.events_delivered = 0
        self.dropped_subscribers = 0

    @property
    def revision(self) -> int:
        """The revision of the last published event (or the one given to `start_at`)."""
        return self._revision

    @property
    def subscribers(self) -> int:
        return len(self._registered)

    @property
    def closed(self) -> bool:
        return self._closed

    def start_at(self, revision: int) -> None:
        """Begin at the store's revision: history up to it was never kept, so older `since`
        values get a `Resync`."""
        _check_count("revision", revision, minimum=0)
        if self.events_published:
            raise RuntimeError("start_at must be called before the first publish")
        self._revision = self._floor = revision

    def publish(self, event: HubEvent) -> None:
        """Record `event` in the replay window and queue it for every matching subscription.

        Re-fed events (revision <= `revision`) are ignored, so a resumed feed may overlap.
        A subscription whose queue is full is dropped (`overflowed`); the others are unaffected.
        """
        if self._closed or event.revision <= self._revision:
            return
        self._revision = event.revision
        if len(self._window) == self._window.maxlen:
            self._floor = self._window[0].revision if self._window else event.revision
        self._window.append(event)
        self.events_published += 1
        full: list[Subscription] = []
        for subscription in self._index.interested(event.subject):
            if subscription._offer(event):
                self.events_delivered += 1
            else:
                full.append(subscription)
        for subscription in full:
            self._drop(subscription)

    def subscribe(
        self,
        ids: Iterable[str],
        since: int | None = None,
        subscription: Subscription | None = None,
    ) -> Subscription:
        """Register a subscription to `ids` ("*" for all), or add `ids` to `subscription`'s filter.

        With `since`, the window's events after it that match *these* `ids` are queued first,
        in order, in the same synchronous step as the registration: no live event can slip in
        between or arrive twice. If the window no longer reaches back to `since`, or the replay
        would not fit in the queue, a single `Resync` is queued instead. Replay is per call,
        so a client that subscribes again with overlapping ids and a `since` may see events
        twice: clients are expected to give `since` once, on their first subscribe.

        A subscription that has ended (hub closed, or dropped for overflow) is returned as is;
        its `get` raises `HubClosed`. Raises ValueError for bad `ids` or `since`.
        """
        wanted = check_ids(ids)
        if since is not None:
            _check_count("since", since, minimum=0)
        subscription = self._adopt(subscription)
        if subscription.closed:
            return subscription
        if self._closed:
            subscription._end(overflowed=False)
            return subscription
        self._registered.add(subscription)
        self._index.add(subscription, wanted)
        if since is not None and since < self._revision:
            self._replay(subscription, wanted, since)
        return subscription

    def unsubscribe(self, subscription: Subscription, ids: Iterable[str] | None = None) -> None:
        """Remove `ids` from the filter, or with None take the subscription out of the hub.

        A removed subscription keeps what is already queued and may be passed to `subscribe`
        again; whoever reads it should stop reading (its `get` would wait until `close`).
        """
        gone = None if ids is None else check_ids(ids)
        self._check_owner(subscription)
        if subscription not in self._registered:
            return
        if gone is None:
            self._remove(subscription)
            return
        self._index.discard(subscription, gone)

    def reset(self, revision: int, reason: str) -> None:
        """The event history was replaced (a store restored or swapped under the registry):
        every subscriber gets a `Resync`, the window empties, and numbering restarts at
        `revision` (lower than before is allowed: that is the point)."""
        _check_count("revision", revision, minimum=0)
        self._window.clear()
        self._revision = self._floor = revision
        for subscription in list(self._registered):
            self._enqueue(subscription, Resync(reason))

    def close(self) -> None:
        """End every subscription: each `get` raises `HubClosed` once its queue is drained."""
        self._closed = True
        for subscription in list(self._owned):
            subscription._end(overflowed=False)
        self._owned.clear()
        self._registered.clear()
        self._index.clear()

    def _replay(self, subscription: Subscription, wanted: frozenset[str], since: int) -> None:
        if since < self._floor:
            reason = f"history after revision {since} is no longer kept (kept: > {self._floor})"
            self._enqueue(subscription, Resync(reason))
            return
        everything = WILDCARD in wanted
        missed: list[HubEvent] = []
        # Newest first, so a recent `since` costs only the events it asks for.
        for event in reversed(self._window):
            if event.revision <= since:
                break
            if everything or event.subject in wanted:
                missed.append(event)
        if len(missed) > subscription._space():
            reason = f"{len(missed)} events since revision {since} exceed the queue"
            self._enqueue(subscription, Resync(reason))
            return
        for event in reversed(missed):
            self._enqueue(subscription, event)

    def _enqueue(self, subscription: Subscription, item: Item) -> None:
        if not subscription._offer(item):
            self._drop(subscription)
        elif isinstance(item, HubEvent):
            self.events_delivered += 1

    def _adopt(self, subscription: Subscription | None) -> Subscription:
        if subscription is None:
            subscription = Subscription(queue_size=self._queue_size)
        elif subscription._owner is not None:
            self._check_owner(subscription)
            return subscription
        subscription._owner = self
        self._owned.add(subscription)
        return subscription

    def _check_owner(self, subscription: Subscription) -> None:
        if subscription._owner is not None and subscription._owner is not self:
            raise ValueError("the subscription belongs to another hub")

    def _remove(self, subscription: Subscription) -> None:
        self._index.remove(subscription)
        self._registered.discard(subscription)

    def _drop(self, subscription: Subscription) -> None:
        if subscription.closed:
            return
        self._remove(subscription)
        subscription._end(overflowed=True)
        self.dropped_subscribers += 1


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
