"""`subscribe(..., since=)`: replay from the window, or a Resync when it cannot reach back."""

from __future__ import annotations

import asyncio

import pytest

from hub import Hub, HubEvent, Resync
from tests.unit.hub._support import drain, event, revisions

pytestmark = pytest.mark.asyncio


def _hub_with(count: int, *, subjects: str = "a", replay_size: int = 10_000) -> Hub:
    hub = Hub(replay_size=replay_size)
    for revision in range(1, count + 1):
        hub.publish(event(revision, subjects[revision % len(subjects)]))
    return hub


@pytest.mark.parametrize("since", [0, 1, 25, 48, 49])
async def test_replay_gives_every_later_event_once_in_order_then_live_ones(since: int) -> None:
    hub = _hub_with(50)
    subscription = hub.subscribe(["a"], since)
    # Published before anything was read: must follow the replay with no gap and no repeat.
    hub.publish(event(51))
    hub.publish(event(52))
    assert revisions(drain(subscription)) == list(range(since + 1, 53))
    hub.publish(event(53))
    assert revisions(drain(subscription)) == [53]


async def test_replay_and_live_events_interleave_correctly_with_a_concurrent_reader() -> None:
    hub = _hub_with(50)
    received: list[int] = []

    async def read(count: int) -> None:
        for _ in range(count):
            item = await subscription.get()
            assert isinstance(item, HubEvent)
            received.append(item.revision)

    subscription = hub.subscribe(["a"], 20)
    reader = asyncio.create_task(read(80))
    for revision in range(51, 101):
        hub.publish(event(revision))
        await asyncio.sleep(0)
    await asyncio.wait_for(reader, timeout=5)
    assert received == list(range(21, 101))


async def test_replay_covers_only_the_ids_of_the_call() -> None:
    hub = _hub_with(30, subjects="abc")
    subscription = hub.subscribe(["a", "c"], 10)
    expected = [revision for revision in range(11, 31) if "abc"[revision % 3] in "ac"]
    assert revisions(drain(subscription)) == expected
    # Adding "b" with a since replays "b" alone; clients give `since` once, so this is rare.
    hub.subscribe(["b"], 25, subscription)
    assert revisions(drain(subscription)) == [28]


async def test_wildcard_replay_covers_every_subject() -> None:
    hub = _hub_with(30, subjects="abc")
    subscription = hub.subscribe(["*"], 10)
    assert revisions(drain(subscription)) == list(range(11, 31))


@pytest.mark.parametrize("since", [50, 51, 1_000])
async def test_since_at_or_past_the_revision_replays_nothing(since: int) -> None:
    hub = _hub_with(50)
    subscription = hub.subscribe(["a"], since)
    assert drain(subscription) == []
    hub.publish(event(51))
    assert revisions(drain(subscription)) == [51]


async def test_since_just_inside_the_window_replays_it_all() -> None:
    hub = _hub_with(50, replay_size=10)  # keeps 41..50
    subscription = hub.subscribe(["a"], 40)
    assert revisions(drain(subscription)) == list(range(41, 51))


async def test_since_older_than_the_window_gets_a_resync_first() -> None:
    hub = _hub_with(50, replay_size=10)  # keeps 41..50
    subscription = hub.subscribe(["a"], 39)
    hub.publish(event(51))
    items = drain(subscription)
    assert len(items) == 2
    assert isinstance(items[0], Resync)
    assert "39" in items[0].reason
    assert items[1] == event(51)
    assert hub.subscribers == 1


async def test_history_before_start_at_was_never_kept() -> None:
    hub = Hub()
    hub.start_at(100)
    stale = hub.subscribe(["a"], 50)
    assert [type(item) for item in drain(stale)] == [Resync]
    current = hub.subscribe(["a"], 100)
    hub.publish(event(101))
    assert revisions(drain(current)) == [101]
    fresh = hub.subscribe(["a"], 100)
    assert revisions(drain(fresh)) == [101]


async def test_revision_gaps_do_not_cause_needless_resyncs() -> None:
    # Store revisions skip numbers (writes that make no event); only eviction loses history.
    hub = Hub(replay_size=2)
    for revision in (10, 20, 30):
        hub.publish(event(revision))
    assert revisions(drain(hub.subscribe(["a"], 15))) == [20, 30]
    assert revisions(drain(hub.subscribe(["a"], 10))) == [20, 30]
    assert [type(item) for item in drain(hub.subscribe(["a"], 9))] == [Resync]


async def test_an_empty_window_resyncs_any_past_since() -> None:
    hub = _hub_with(5, replay_size=0)
    assert [type(item) for item in drain(hub.subscribe(["a"], 4))] == [Resync]
    assert drain(hub.subscribe(["a"], 5)) == []


async def test_a_replay_larger_than_the_queue_becomes_a_resync_not_a_drop() -> None:
    hub = Hub(queue_size=5)
    for revision in range(1, 21):
        hub.publish(event(revision))
    subscription = hub.subscribe(["a"], 0)
    items = drain(subscription)
    assert [type(item) for item in items] == [Resync]
    assert isinstance(items[0], Resync)
    assert "exceed the queue" in items[0].reason
    assert not subscription.overflowed
    hub.publish(event(21))
    assert revisions(drain(subscription)) == [21]
    # Exactly a queue's worth still replays.
    assert revisions(drain(hub.subscribe(["a"], 16))) == [17, 18, 19, 20, 21]


async def test_replayed_events_count_as_delivered() -> None:
    hub = _hub_with(10)
    hub.subscribe(["a"], 4)
    assert hub.events_delivered == 6


async def test_reset_tells_everyone_to_resync_and_restarts_the_numbering() -> None:
    hub = Hub()
    for revision in range(1, 11):
        hub.publish(event(revision))
    one = hub.subscribe(["a"])
    every = hub.subscribe(["*"])
    hub.reset(3, "store replaced")
    for subscription in (one, every):
        items = drain(subscription)
        assert items == [Resync("store replaced")]
    assert hub.revision == 3
    # The replaced history is gone: numbering goes on from the new revision, lower or not.
    hub.publish(event(4))
    assert revisions(drain(one)) == [4]
    late = hub.subscribe(["a"], since=1)
    assert isinstance(drain(late)[0], Resync)
    with pytest.raises(ValueError, match="revision"):
        hub.reset(-1, "no")
