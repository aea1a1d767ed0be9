"""Which subscriptions an event reaches, and how filters change."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from hub import Hub, HubEvent, Resync, Subscription
from tests.unit.hub._support import drain, event, revisions

pytestmark = pytest.mark.asyncio


async def test_an_id_filter_receives_only_its_subject() -> None:
    hub = Hub()
    on_a = hub.subscribe(["a"])
    on_b = hub.subscribe(["b"])
    for revision, subject in enumerate(["a", "b", "a", "c"], start=1):
        hub.publish(event(revision, subject))
    assert revisions(drain(on_a)) == [1, 3]
    assert revisions(drain(on_b)) == [2]
    assert hub.events_published == 4
    assert hub.events_delivered == 3


async def test_wildcard_receives_every_subject_including_global_events() -> None:
    hub = Hub()
    everything = hub.subscribe(["*"])
    on_a = hub.subscribe(["a"])
    hub.publish(event(1, "a"))
    hub.publish(event(2, ""))
    hub.publish(event(3, "z"))
    assert revisions(drain(everything)) == [1, 2, 3]
    # Global events ("" subject) go to "*" subscribers only.
    assert revisions(drain(on_a)) == [1]


async def test_order_is_preserved_and_frames_pass_through_untouched() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a", "b"])
    published = [event(revision, "ab"[revision % 2]) for revision in range(1, 201)]
    for item in published:
        hub.publish(item)
    received = drain(subscription)
    assert received == published
    frames = [got.frame for got in received if isinstance(got, HubEvent)]
    assert all(got is sent.frame for got, sent in zip(frames, published, strict=True))


async def test_get_waits_for_the_next_event() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a"])
    hub.publish(event(1))
    assert await subscription.get() == event(1)
    assert subscription.get_nowait() is None
    assert subscription.qsize() == 0


async def test_wildcard_plus_an_id_delivers_each_event_once() -> None:
    hub = Hub()
    subscription = hub.subscribe(["*", "a"])
    hub.publish(event(1, "a"))
    hub.publish(event(2, "b"))
    assert revisions(drain(subscription)) == [1, 2]
    hub.unsubscribe(subscription, ["*"])
    hub.publish(event(3, "a"))
    hub.publish(event(4, "b"))
    assert revisions(drain(subscription)) == [3]
    assert subscription.ids == frozenset({"a"})


async def test_subscribe_with_an_existing_subscription_extends_its_filter() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a"])
    assert hub.subscribe(["b", "c"], subscription=subscription) is subscription
    assert subscription.ids == frozenset({"a", "b", "c"})
    assert hub.subscribers == 1
    hub.publish(event(1, "b"))
    assert revisions(drain(subscription)) == [1]


async def test_unsubscribing_ids_stops_their_delivery_only() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a", "b"])
    hub.unsubscribe(subscription, ["a", "never-subscribed"])
    hub.publish(event(1, "a"))
    hub.publish(event(2, "b"))
    assert revisions(drain(subscription)) == [2]
    hub.unsubscribe(subscription, ["b"])
    hub.publish(event(3, "b"))
    assert drain(subscription) == []
    # An empty filter is still a registered subscription: the connection is open.
    assert subscription.ids == frozenset()
    assert hub.subscribers == 1


async def test_unsubscribe_none_removes_the_subscription() -> None:
    hub = Hub()
    subscription = hub.subscribe(["*"])
    other = hub.subscribe(["a"])
    hub.publish(event(1))
    hub.unsubscribe(subscription)
    assert hub.subscribers == 1
    hub.publish(event(2))
    # What was queued before stays; nothing new arrives.
    assert revisions(drain(subscription)) == [1]
    assert revisions(drain(other)) == [1, 2]
    hub.unsubscribe(subscription)  # twice is harmless
    assert hub.subscribe(["a"], subscription=subscription) is subscription
    hub.publish(event(3))
    assert revisions(drain(subscription)) == [3]
    assert subscription.ids == frozenset({"a"})


async def test_a_caller_built_subscription_is_adopted_with_its_own_queue_size() -> None:
    hub = Hub(queue_size=2)
    roomy = Subscription(queue_size=10)
    assert hub.subscribe(["a"], subscription=roomy) is roomy
    for revision in range(1, 11):
        hub.publish(event(revision))
    assert not roomy.overflowed
    assert revisions(drain(roomy)) == list(range(1, 11))


async def test_publish_among_many_subscribers_touches_only_the_interested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = Hub()
    subscriptions = [hub.subscribe([f"schema_{n}"]) for n in range(5_000)]
    everything = hub.subscribe(["*"])
    offered: list[Subscription] = []
    original = Subscription._offer

    def counting(self: Subscription, item: HubEvent | Resync) -> bool:
        offered.append(self)
        return original(self, item)

    monkeypatch.setattr(Subscription, "_offer", counting)
    hub.publish(event(1, "schema_4321"))
    assert sorted(map(id, offered)) == sorted(map(id, [subscriptions[4321], everything]))
    assert hub.events_delivered == 2
    assert revisions(drain(subscriptions[4321])) == [1]
    assert sum(subscription.qsize() for subscription in subscriptions) == 0


async def test_refed_events_are_ignored() -> None:
    hub = Hub()
    subscription = hub.subscribe(["a"])
    for revision in (1, 2, 3, 2, 3, 1, 4):
        hub.publish(event(revision))
    assert revisions(drain(subscription)) == [1, 2, 3, 4]
    assert hub.revision == 4
    assert hub.events_published == 4


async def test_publish_is_synchronous() -> None:
    assert not inspect.iscoroutinefunction(Hub.publish)
    assert Hub().publish(event(1)) is None  # type: ignore[func-returns-value]


@pytest.mark.parametrize(
    "ids",
    [[], (), "a", b"a", ["a", ""], ["a", 3], [None], None, 5, {"a": 1, "": 2}],
)
async def test_bad_ids_are_rejected(ids: Any) -> None:
    hub = Hub()
    with pytest.raises(ValueError, match=r"ids|id must"):
        hub.subscribe(ids)
    subscription = hub.subscribe(["a"])
    if ids is not None:  # for unsubscribe, None means "the whole subscription"
        with pytest.raises(ValueError, match=r"ids|id must"):
            hub.unsubscribe(subscription, ids)
    assert hub.subscribers == 1
    assert subscription.ids == frozenset({"a"})


@pytest.mark.parametrize("since", [-1, "3", 1.5, True])
async def test_bad_since_is_rejected(since: Any) -> None:
    hub = Hub()
    with pytest.raises(ValueError, match="since"):
        hub.subscribe(["a"], since)
    assert hub.subscribers == 0


@pytest.mark.parametrize(
    "settings", [{"queue_size": 0}, {"queue_size": 1.5}, {"replay_size": -1}, {"replay_size": None}]
)
async def test_bad_sizes_are_rejected(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="_size"):
        Hub(**settings)


async def test_a_subscription_stays_with_its_hub() -> None:
    first, second = Hub(), Hub()
    subscription = first.subscribe(["a"])
    with pytest.raises(ValueError, match="another hub"):
        second.subscribe(["b"], subscription=subscription)
    with pytest.raises(ValueError, match="another hub"):
        second.unsubscribe(subscription)
    assert subscription.ids == frozenset({"a"})


async def test_start_at_comes_before_any_publish() -> None:
    hub = Hub()
    hub.start_at(7)
    assert hub.revision == 7
    hub.publish(event(7))  # already covered by the starting revision
    assert hub.events_published == 0
    hub.publish(event(8))
    with pytest.raises(RuntimeError, match="before the first publish"):
        hub.start_at(9)
    with pytest.raises(ValueError, match="revision"):
        Hub().start_at(-1)
