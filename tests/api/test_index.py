"""The read index: snapshot load, following the watch, compaction reloads, outages, waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from service import index as index_module
from service.index import ReadIndex
from service.storage import MemoryStore
from service.storage.contract import Event, HistoryCompacted, NewVersion, StoreUnavailable

pytestmark = pytest.mark.asyncio


class ScriptedWatchStore(MemoryStore):
    """A memory store whose next watches first raise the queued errors."""

    def __init__(self) -> None:
        super().__init__()
        self.watch_errors: list[Exception] = []

    async def watch(self, since: int) -> AsyncIterator[Event]:
        if self.watch_errors:
            raise self.watch_errors.pop(0)
        async for event in super().watch(since):
            yield event


def _version(schema_id: str, version: str) -> NewVersion:
    document = f'{{"id":"{schema_id}","version":"{version}"}}'.encode()
    return NewVersion(schema_id, version, document, f"fp-{schema_id}-{version}")


async def _create(store: MemoryStore, schema_id: str, version: str) -> int:
    record = await store.get(schema_id)
    stored = await store.create_version(
        _version(schema_id, version),
        expected_mod_revision=record.mod_revision if record else 0,
        event_data={},
    )
    return stored.revision


@pytest_asyncio.fixture
async def store() -> AsyncIterator[ScriptedWatchStore]:
    store = ScriptedWatchStore()
    await store.start()
    yield store
    await store.close()


@pytest_asyncio.fixture
async def following(store: ScriptedWatchStore) -> AsyncIterator[ReadIndex]:
    index = ReadIndex(store)
    await index.load()
    task = asyncio.create_task(index.run())
    yield index
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_snapshot_load(store: ScriptedWatchStore) -> None:
    await _create(store, "b", "1.0.0")
    await _create(store, "a", "1.0.0")
    await _create(store, "a", "1.1.0")
    await store.put_config("a", {"mode": "FULL"}, event_data={})
    index = ReadIndex(store)
    assert not index.ready
    await index.load()
    assert index.ready
    assert index.revision == 4
    cached = index.get("a")
    assert cached is not None
    assert str(cached.latest.version) == "1.1.0"
    assert cached.latest.etag == '"fp-a-1.1.0"'
    assert [c.schema_id for c in index.list("", 10, None)] == ["a", "b"]
    assert index.config("a") == {"mode": "FULL"}


async def test_follows_writes_deletes_and_configs(
    store: ScriptedWatchStore, following: ReadIndex
) -> None:
    assert await following.wait_for(await _create(store, "x", "1.0.0"))
    assert following.get("x") is not None
    revision = await store.delete("x", permanent=False, event_data={})
    assert await following.wait_for(revision)
    assert following.get("x") is None
    assert following.list("", 10, None) == []
    revision = await store.put_config(None, {"mode": "NONE"}, event_data={})
    assert await following.wait_for(revision)
    assert following.config(None) == {"mode": "NONE"}


async def test_reloads_after_compaction(store: ScriptedWatchStore) -> None:
    reloaded: list[int] = []
    index = ReadIndex(store, on_reload=reloaded.append)
    await index.load()
    await _create(store, "late", "1.0.0")
    store.watch_errors.append(HistoryCompacted("gone"))
    task = asyncio.create_task(index.run())
    try:
        assert await index.wait_for(1)
        assert index.get("late") is not None
        assert index.ready
        # Whoever fans events out (the hub) learns the history was replaced, at which revision.
        assert reloaded == [1]
        assert index.reloads == 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_outage_marks_store_down_then_recovers(
    store: ScriptedWatchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_RETRY_DELAYS", (0.05,))
    index = ReadIndex(store)
    await index.load()
    store.watch_errors.append(StoreUnavailable("down"))
    task = asyncio.create_task(index.run())
    try:
        await asyncio.sleep(0.01)
        assert not index.store_up
        assert await index.wait_for(await _create(store, "back", "1.0.0"))
        assert index.store_up
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_wait_for_times_out(
    store: ScriptedWatchStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "WAIT_TIMEOUT", 0.05)
    index = ReadIndex(store)
    await index.load()
    assert not await index.wait_for(5)


async def test_list_prefix_and_cursor(store: ScriptedWatchStore) -> None:
    for schema_id in ("aa", "ab", "ac", "b"):
        await _create(store, schema_id, "1.0.0")
    index = ReadIndex(store)
    await index.load()
    assert [c.schema_id for c in index.list("a", 2, "aa")] == ["ab", "ac"]
    assert [c.schema_id for c in index.list("a", 10, "ac")] == []
    assert [c.schema_id for c in index.list("", 10, "a")] == ["aa", "ab", "ac", "b"]
