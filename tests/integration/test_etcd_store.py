"""What only the etcd backend has: its key layout, replicas racing for revisions, endpoint
failover, and etcd compacting its history under a watch."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from service.storage import EtcdStore, open_store
from service.storage.contract import Conflict, NewVersion, StoreUnavailable, VersionExists
from service.storage.etcd_watch import _live, _Reread, follow_events
from tests.contract.samples import publish
from tests.etcd_server import EtcdCluster, start_cluster

pytestmark = pytest.mark.asyncio


def fresh_url(cluster: EtcdCluster) -> str:
    return f"{cluster.url}/etcd-store/{uuid.uuid4().hex}/"


@pytest_asyncio.fixture
async def two_stores(etcd_cluster: EtcdCluster) -> AsyncIterator[tuple[EtcdStore, EtcdStore]]:
    """Two instances (two replicas) on one prefix."""
    url = fresh_url(etcd_cluster)
    first, second = open_store(url), open_store(url)
    assert isinstance(first, EtcdStore)
    assert isinstance(second, EtcdStore)
    await first.start()
    await second.start()
    yield first, second
    await first.close()
    await second.close()


async def _all_keys(store: EtcdStore) -> set[bytes]:
    # key "\0" with range_end "\0" is etcd's whole keyspace.
    response = await store.connection.range(b"\x00", b"\x00")
    return {kv.key for kv in response.kvs}


async def test_every_key_lives_under_the_prefix(two_stores: tuple[EtcdStore, EtcdStore]) -> None:
    store, _ = two_stores
    before = await _all_keys(store)
    await publish(store, "ticks_v1", "1.0.0")
    await store.put_config("ticks_v1", {"mode": "FULL"}, event_data={})
    await store.put_config(None, {"mode": "FULL"}, event_data={})
    await store.delete("ticks_v1", permanent=False, event_data={})
    written = await _all_keys(store) - before
    prefix = store.keys.prefix
    assert all(key.startswith(prefix) for key in written), written
    names = {key.removeprefix(prefix).split(b"/", 1)[0] for key in written}
    assert names == {b"revision", b"heads", b"cas", b"versions", b"configs", b"events"}


async def test_replicas_racing_one_version_exactly_one_wins(
    two_stores: tuple[EtcdStore, EtcdStore],
) -> None:
    first, second = two_stores
    for n in range(10):
        schema_id = f"race_{n}"
        outcomes = await asyncio.gather(
            *(
                store.create_version(
                    NewVersion(schema_id, "1.0.0", b'{"by":"%d"}' % i, f"fp{i}"),
                    expected_mod_revision=0,
                    event_data={},
                )
                for i, store in enumerate((first, second))
            ),
            return_exceptions=True,
        )
        won = [o for o in outcomes if not isinstance(o, BaseException)]
        lost = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(won) == 1
        assert len(lost) == 1
        assert isinstance(lost[0], VersionExists | Conflict)


async def test_writes_from_two_replicas_get_dense_revisions(
    two_stores: tuple[EtcdStore, EtcdStore],
) -> None:
    first, second = two_stores

    async def writer(store: EtcdStore, name: str) -> list[int]:
        return [await store.append_event("test.tick", name, {"n": n}) for n in range(25)]

    a, b = await asyncio.gather(writer(first, "a"), writer(second, "b"))
    assert sorted(a + b) == list(range(1, 51))
    events = []
    async with asyncio.timeout(10):
        async for event in first.watch(0):
            events.append(event)
            if event.revision == 50:
                break
    assert [e.revision for e in events] == list(range(1, 51))
    assert [e.data["n"] for e in events if e.subject == "a"] == list(range(25))


async def test_unreachable_etcd_is_unavailable_not_a_hang() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = open_store(f"etcd://127.0.0.1:{port}")
    async with asyncio.timeout(30):
        with pytest.raises(StoreUnavailable):
            await store.start()
    await store.close()


async def test_a_dead_first_endpoint_fails_over_to_the_next(etcd_cluster: EtcdCluster) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    live = etcd_cluster.endpoints
    store = open_store(f"etcd://127.0.0.1:{dead},{live}/etcd-store/{uuid.uuid4().hex}/")
    async with asyncio.timeout(30):
        while True:
            try:
                await store.start()
                break
            except StoreUnavailable:
                continue
    try:
        await publish(store, "ticks_v1", "1.0.0")
        assert await store.revision() == 1
    finally:
        await store.close()


async def _drain(stream: AsyncIterator[object]) -> None:
    async with asyncio.timeout(10):
        async for _ in stream:
            pass


@pytest_asyncio.fixture
async def compactable(tmp_path: Path) -> AsyncIterator[tuple[EtcdCluster, EtcdStore]]:
    # Compaction is cluster-wide: it gets a cluster of its own, not the shared one.
    cluster = start_cluster(tmp_path / "etcd", size=1)
    store = open_store(fresh_url(cluster))
    assert isinstance(store, EtcdStore)
    await store.start()
    try:
        yield cluster, store
    finally:
        await store.close()
        cluster.stop()


async def test_events_survive_etcd_compaction(
    compactable: tuple[EtcdCluster, EtcdStore],
) -> None:
    cluster, store = compactable
    for n in range(5):
        await store.append_event("test.tick", "x", {"n": n})
    cluster.compact(cluster.current_revision())
    events = []
    async with asyncio.timeout(10):
        async for event in store.watch(2):
            events.append(event.revision)
            if event.revision == 5:
                break
    assert events == [3, 4, 5]


async def test_a_live_watch_from_a_compacted_revision_rereads_the_keys(
    compactable: tuple[EtcdCluster, EtcdStore],
) -> None:
    cluster, store = compactable
    for n in range(3):
        await store.append_event("test.tick", "x", {"n": n})
    cluster.compact(cluster.current_revision())
    with pytest.raises(_Reread):
        await _drain(_live(store, 0, start_revision=1))
    # The watch as a whole carries on from the keys after such a re-read.
    received = []
    async with asyncio.timeout(10):
        stream = follow_events(store, 0)
        async for event in stream:
            received.append(event.revision)
            if event.revision == 3:
                await store.append_event("test.tick", "x", {"n": 3})
            if event.revision == 4:
                break
    assert received == [1, 2, 3, 4]


async def test_a_document_at_the_api_limit_fits_one_transaction(
    two_stores: tuple[EtcdStore, EtcdStore],
) -> None:
    store, _ = two_stores
    # 1 MiB of quotes: as a JSON string it would double past etcd's 1.5 MiB request limit.
    document = b'{"q":"' + b'\\"' * (512 * 1024 - 8) + b'"}'
    stored = await store.create_version(
        NewVersion("big", "1.0.0", document, "fp"), expected_mod_revision=0, event_data={}
    )
    record = await store.get("big")
    assert record is not None
    assert record.latest.document == document == stored.document


async def test_an_oversized_request_is_refused_not_an_outage(
    two_stores: tuple[EtcdStore, EtcdStore],
) -> None:
    store, _ = two_stores
    document = b'{"q":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    with pytest.raises(ValueError, match="etcd refused the request"):
        await store.create_version(
            NewVersion("huge", "1.0.0", document, "fp"), expected_mod_revision=0, event_data={}
        )
    # Nothing was written and the store still works.
    assert await store.get("huge") is None
    await publish(store, "after", "1.0.0")
