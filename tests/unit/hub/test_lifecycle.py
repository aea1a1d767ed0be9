"""Slow consumers are dropped without hurting anyone; close ends every reader."""

from __future__ import annotations

import asyncio

import pytest

from hub import Hub, HubClosed, Overflow, Subscription
from tests.unit.hub._support import drain, event, revisions

pytestmark = pytest.mark.asyncio


async def test_a_full_queue_drops_that_subscriber_only() -> None:
    hub = Hub(queue_size=4)
    slow = hub.subscribe(["a"])
    reader = hub.subscribe(["a"])
    everything = hub.subscribe(["*"])
    for revision in range(1, 11):
        hub.publish(event(revision))
        # The reader keeps up; `slow` and `everything` never read.
        assert revisions(drain(reader)) == [revision]
        if revision <= 4:
            assert not slow.overflowed
    assert slow.overflowed
    assert everything.overflowed
    assert not reader.overflowed
    assert hub.dropped_subscribers == 2
    assert hub.subscribers == 1
    # What was queued before the drop is still readable, then the end.
    assert revisions([await slow.get() for _ in range(4)]) == [1, 2, 3, 4]
    with pytest.raises(Overflow):
        await slow.get()
    assert slow.get_nowait() is None
    assert slow.closed


async def test_overflow_is_a_hub_closed_to_readers() -> None:
    hub = Hub(queue_size=1)
    subscription = hub.subscribe(["a"])
    hub.publish(event(1))
    hub.publish(event(2))
    assert subscription.get_nowait() == event(1)
    with pytest.raises(HubClosed):
        await subscription.get()


async def test_a_dropped_subscription_cannot_be_revived() -> None:
    hub = Hub(queue_size=1)
    subscription = hub.subscribe(["a"])
    hub.publish(event(1))
    hub.publish(event(2))
    assert hub.subscribe(["b"], 0, subscription) is subscription
    assert subscription.overflowed
    assert hub.subscribers == 0
    hub.publish(event(3, "b"))
    assert revisions(drain(subscription)) == [1]
    hub.unsubscribe(subscription)  # harmless
    assert hub.dropped_subscribers == 1


async def test_close_ends_waiting_readers_after_draining_their_queues() -> None:
    hub = Hub()
    idle = hub.subscribe(["a"])
    busy = hub.subscribe(["b"])
    removed = hub.subscribe(["c"])
    hub.unsubscribe(removed)
    hub.publish(event(1, "b"))
    hub.publish(event(2, "b"))

    async def read_all(subscription: Subscription) -> list[int]:
        items = []
        try:
            while True:
                items.append(await subscription.get())
        except Overflow:
            raise
        except HubClosed:
            return revisions(items)

    # Two concurrent readers on one subscription must both see the end.
    readers = [asyncio.create_task(read_all(sub)) for sub in (idle, idle, removed)]
    await asyncio.sleep(0)
    assert not any(reader.done() for reader in readers)
    hub.close()
    results = await asyncio.wait_for(asyncio.gather(*readers), timeout=5)
    assert results == [[], [], []]
    assert await read_all(busy) == [1, 2]
    assert all(sub.closed and not sub.overflowed for sub in (idle, busy, removed))
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_after_close_everything_is_inert() -> None:
    hub = Hub()
    hub.publish(event(1))
    hub.close()
    hub.close()
    assert hub.closed
    assert hub.subscribers == 0
    late = hub.subscribe(["*"], 0)
    assert late.closed
    hub.publish(event(2))
    assert late.get_nowait() is None
    with pytest.raises(HubClosed):
        await late.get()


async def test_a_cancelled_get_loses_nothing() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a"])
    waiter = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    hub.publish(event(1))
    assert subscription.qsize() == 1
    assert await subscription.get() == event(1)


async def test_qsize_counts_only_items() -> None:
    hub = Hub(queue_size=3)
    subscription = hub.subscribe(["a"])
    for revision in range(1, 4):
        hub.publish(event(revision))
    hub.close()
    assert subscription.qsize() == 3
    assert revisions(drain(subscription)) == [1, 2, 3]
    assert subscription.qsize() == 0
