"""Events and `watch`: history then live, in order, without gaps or repeats, cancellable."""

from __future__ import annotations

import asyncio

import pytest

from service.storage import Store
from service.storage.contract import (
    CONFIG_UPDATED,
    SCHEMA_DELETED,
    VERSION_CREATED,
    HistoryCompacted,
    StoreUnavailable,
)
from tests.contract.conftest import StoreFactory
from tests.contract.samples import publish, take

pytestmark = pytest.mark.asyncio

# A watch may read its history in batches (SQLite: 256 events); replay must cross them.
_MORE_THAN_A_BATCH = 260


async def _write_three(store: Store) -> None:
    await publish(store, "a", "1.0.0")
    await store.put_config("a", {"mode": "FULL"}, event_data={})
    await store.delete("a", permanent=False, event_data={})


async def test_every_change_is_one_event_with_its_revision(store: Store) -> None:
    await _write_three(store)
    revision = await store.append_event("validation.failure.reported", "a", {"invalid": 2})
    assert revision == 4
    events = await take(store.watch(0), 4)
    assert [(e.revision, e.type, e.subject) for e in events] == [
        (1, VERSION_CREATED, "a"),
        (2, CONFIG_UPDATED, "a"),
        (3, SCHEMA_DELETED, "a"),
        (4, "validation.failure.reported", "a"),
    ]
    assert events[3].data == {"invalid": 2}


async def test_watch_replays_history_then_delivers_live_events(store: Store) -> None:
    await _write_three(store)
    watch = store.watch(0)
    history = await take(watch, 3)
    assert [e.revision for e in history] == [1, 2, 3]
    # The watcher is caught up and waiting when these commit.
    live = asyncio.create_task(take(watch, 3))
    await asyncio.sleep(0)
    await publish(store, "b", "1.0.0")
    await publish(store, "b", "1.1.0")
    await store.append_event("validation.failure.reported", "b", {})
    events = await live
    assert [(e.revision, e.subject) for e in events] == [(4, "b"), (5, "b"), (6, "b")]
    assert [e.data.get("version") for e in events[:2]] == ["1.0.0", "1.1.0"]


async def test_watch_from_a_revision_skips_what_came_before(store: Store) -> None:
    await _write_three(store)
    watch = store.watch(2)
    [first] = await take(watch, 1)
    assert first.revision == 3
    await publish(store, "b")
    [second] = await take(watch, 1)
    assert second.revision == 4


async def test_watch_from_the_current_revision_gets_only_new_events(store: Store) -> None:
    await _write_three(store)
    watch = store.watch(await store.revision())
    pending = asyncio.create_task(take(watch, 1))
    await publish(store, "b")
    [event] = await pending
    assert (event.revision, event.subject) == (4, "b")


async def test_concurrent_watchers_see_identical_streams(store: Store) -> None:
    await publish(store, "a")
    watchers = [asyncio.create_task(take(store.watch(0), 12)) for _ in range(2)]
    for n in range(1, 12):
        await publish(store, "a", f"1.{n}.0")
    first, second = await asyncio.gather(*watchers)
    assert first == second
    assert [e.revision for e in first] == list(range(1, 13))


async def test_a_watch_keeps_up_with_concurrent_writers(store: Store) -> None:
    watcher = asyncio.create_task(take(store.watch(0), 40))
    await asyncio.gather(*(publish(store, f"id{n}") for n in range(40)))
    events = await watcher
    assert [e.revision for e in events] == list(range(1, 41))
    assert sorted(e.subject for e in events) == sorted(f"id{n}" for n in range(40))


async def test_a_long_history_replays_completely(store: Store) -> None:
    for n in range(_MORE_THAN_A_BATCH):
        await store.append_event("validation.failure.reported", f"id{n}", {"n": n})
    events = await take(store.watch(0), _MORE_THAN_A_BATCH)
    assert [e.data["n"] for e in events] == list(range(_MORE_THAN_A_BATCH))


async def test_cancelling_a_watcher_leaves_nothing_running(store: Store) -> None:
    await publish(store, "a")
    watch = store.watch(0)
    await take(watch, 1)
    waiting = asyncio.create_task(take(watch, 1))
    # Not an assertion: lets the watcher reach its wait. Cancelling anywhere must be clean.
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    # Nothing keeps running once the loop settles: a client library (gRPC for etcd) may take a
    # few loop turns to finish the bookkeeping of a call cancelled with the watch.
    for _ in range(100):
        if asyncio.all_tasks() == {asyncio.current_task()}:
            break
        await asyncio.sleep(0.01)
    assert asyncio.all_tasks() == {asyncio.current_task()}
    # The store is unaffected: writes commit and a new watch sees everything.
    await publish(store, "b")
    assert [e.revision for e in await take(store.watch(0), 2)] == [1, 2]


async def test_watching_ahead_of_the_store_is_history_compacted(store: Store) -> None:
    await publish(store, "a")
    with pytest.raises(HistoryCompacted):
        await anext(store.watch(5))


async def test_watch_rejects_a_negative_revision(store: Store) -> None:
    with pytest.raises(ValueError, match="since"):
        await anext(store.watch(-1))


async def test_closing_the_store_ends_its_watches(make_store: StoreFactory) -> None:
    store = await make_store()
    waiting = asyncio.create_task(take(store.watch(0), 1))
    await asyncio.sleep(0)
    await store.close()
    with pytest.raises(StoreUnavailable):
        await waiting


async def test_snapshot_then_watch_misses_nothing(store: Store) -> None:
    await _write_three(store)
    snapshot = await store.snapshot()
    watch = store.watch(snapshot.revision)
    pending = asyncio.create_task(take(watch, 1))
    await publish(store, "b")
    [event] = await pending
    assert event.revision == snapshot.revision + 1


async def test_event_data_is_a_fresh_copy_each_time(store: Store) -> None:
    data = {"rows": [1]}
    await store.append_event("validation.failure.reported", "a", data)
    data["rows"].append(2)
    [first] = await take(store.watch(0), 1)
    first.data["rows"].append(3)
    [second] = await take(store.watch(0), 1)
    assert second.data == {"rows": [1]}
