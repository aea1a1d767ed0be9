"""The etcd store's watch: stored events from their keys, then etcd's live watch of the keys.

Events are kept as keys (`events/<revision>`), so etcd compacting its own history loses none:
when the live watch finds its start revision compacted, it re-reads the keys from the last
event it yielded and watches again (counted in `EtcdStore.watch_rereads`). A disconnect ends
the stream with `StoreUnavailable`; the consumer resumes with `watch(last revision)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aetcd
import grpc
from aetcd.rtypes import EventKind

from service.storage.contract import Event, HistoryCompacted, StoreUnavailable
from service.storage.etcd_connection import PAGE
from service.storage.etcd_keys import decode_event, range_end

if TYPE_CHECKING:
    from service.storage.etcd import EtcdStore


class _Reread(Exception):
    """The live watch cannot continue from where it is; read the event keys again."""


async def follow_events(store: EtcdStore, since: int) -> AsyncIterator[Event]:
    """Every event after `since`, in order, without gaps or repeats (see `Store.watch`)."""
    position = since
    first = True
    while True:
        counter = await store.connection.range(store.keys.revision, b"")
        at = counter.header.revision
        current = int(counter.kvs[0].value) if counter.kvs else 0
        if first and since > current:
            raise HistoryCompacted(f"since {since} is ahead of revision {current}")
        first = False
        async for event in _stored(store, position, at):
            yield event
            position = event.revision
        if position < current:
            raise HistoryCompacted(f"events after revision {position} are no longer kept")
        try:
            async for event in _live(store, position, at + 1):
                yield event
                position = event.revision
        except _Reread:
            store.note_reread()


async def _stored(store: EtcdStore, position: int, at: int) -> AsyncIterator[Event]:
    keys = store.keys
    start, end = keys.event(position + 1), range_end(keys.events)
    while True:
        response = await store.connection.range(start, end, limit=PAGE, revision=at)
        for kv in response.kvs:
            revision = keys.revision_of_event(kv.key)
            if revision != position + 1:
                raise HistoryCompacted(f"events after revision {position} are no longer kept")
            yield decode_event(revision, kv.value)
            position = revision
        if not response.more:
            return
        start = response.kvs[-1].key + b"\x00"


async def _live(store: EtcdStore, position: int, start_revision: int) -> AsyncIterator[Event]:
    keys = store.keys
    connection = store.connection
    where = connection.endpoint
    async with connection.watch_client() as client:
        try:
            watch = await client.watch(
                keys.events,
                range_end=range_end(keys.events),
                start_revision=start_revision,
                kind=EventKind.PUT,
            )
            async for change in watch:
                revision = keys.revision_of_event(change.kv.key)
                if revision <= position:
                    continue
                if revision != position + 1:
                    raise _Reread
                yield decode_event(revision, change.kv.value)
                position = revision
        except aetcd.exceptions.RevisionCompactedError as exc:
            raise _Reread from exc
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise
            # gRPC cancelled the stream because its channel was closed under it.
            store.check_open()
            raise StoreUnavailable(f"etcd watch at {where} was cut off") from None
        except (aetcd.exceptions.ClientError, grpc.aio.AioRpcError, TimeoutError) as exc:
            store.check_open()
            await connection.failover()
            raise StoreUnavailable(f"etcd watch at {where} failed: {exc}") from exc
    store.check_open()
    # The stream ended without an error: its channel was closed under it.
    raise StoreUnavailable(f"etcd watch at {where} ended")
