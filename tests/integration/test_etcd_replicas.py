"""Stateless replicas on real etcd: reads follow the watch, publishes race safely, faults degrade
reads gracefully and lose no acknowledged write."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from service.storage import EtcdStore, open_store
from service.storage.contract import VERSION_CREATED, Event, StoreUnavailable
from tests.api.conftest import Client, tick
from tests.auth import bearer, secured
from tests.etcd_server import EtcdCluster, start_cluster
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.asyncio

# Every wait below is bounded: a replica that never catches up fails the test.
CATCH_UP = 10.0


POLL = 0.05


async def eventually(check: Callable[[], Awaitable[bool]], within: float = CATCH_UP) -> None:
    """Polls `check` until it holds; fails after `within` seconds."""
    for _ in range(round(within / POLL)):
        if await check():
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"{check.__name__} did not hold within {within} s")


def prefix_url(cluster: EtcdCluster) -> str:
    return f"{cluster.url}/itest/{uuid.uuid4().hex}/"


async def replicas(aiohttp_client: AiohttpClient, url: str, count: int = 2) -> list[Client]:
    return [
        await aiohttp_client(create_app(secured(store_url=url)), headers=bearer())
        for _ in range(count)
    ]


def doc(version: str, description: str | None = None) -> dict[str, Any]:
    document = tick(version)
    if description is not None:
        document["description"] = description
    return document


async def collect_events(url: str, until: int) -> list[Event]:
    """Every event up to revision `until`, read the way the index reads them: watch, and on
    a store outage resume from the last revision seen."""
    store = open_store(url)
    seen: list[Event] = []
    async with asyncio.timeout(60):
        for _ in range(300):
            try:
                await store.start()
                break
            except StoreUnavailable:
                await asyncio.sleep(0.2)
        try:
            while not seen or seen[-1].revision < until:
                try:
                    async for event in store.watch(seen[-1].revision if seen else 0):
                        seen.append(event)
                        if event.revision >= until:
                            break
                except StoreUnavailable:
                    await asyncio.sleep(0.2)
        finally:
            await store.close()
    return seen


async def test_publish_through_a_is_read_through_b(
    aiohttp_client: AiohttpClient, etcd_cluster: EtcdCluster
) -> None:
    a, b = await replicas(aiohttp_client, prefix_url(etcd_cluster))
    response = await a.post("/schema/ticks_v1", json=doc("1.0.0"))
    assert response.status == 201

    async def b_serves_it() -> bool:
        got = await b.get("/schema/ticks_v1/1.0.0")
        return got.status == 200

    await eventually(b_serves_it)
    from_a = await (await a.get("/schema/ticks_v1")).read()
    from_b = await b.get("/schema/ticks_v1")
    assert await from_b.read() == from_a
    assert from_b.headers["ETag"] == (await a.get("/schema/ticks_v1")).headers["ETag"]


async def test_concurrent_publishes_of_one_version_through_two_replicas(
    aiohttp_client: AiohttpClient, etcd_cluster: EtcdCluster
) -> None:
    a, b = await replicas(aiohttp_client, prefix_url(etcd_cluster))
    for round_ in range(5):
        version = f"1.{round_}.0"
        responses = await asyncio.gather(
            a.post("/schema/ticks_v1", json=doc("1.0.0") | {"version": version, "title": "A"}),
            b.post("/schema/ticks_v1", json=doc("1.0.0") | {"version": version, "title": "B"}),
        )
        statuses = sorted(response.status for response in responses)
        assert statuses == [201, 409], statuses
        loser = next(r for r in responses if r.status == 409)
        assert (await loser.json())["error"] == "version_conflict"
    listed = await (await b.get("/schema/ticks_v1/versions")).json()
    assert listed["versions"] == [f"1.{n}.0" for n in range(5)]


@pytest_asyncio.fixture
async def own_cluster(tmp_path: Path) -> AsyncIterator[EtcdCluster]:
    """A single-member etcd this test may stop and start."""
    with start_cluster(tmp_path / "etcd", size=1) as cluster:
        yield cluster


async def test_etcd_outage_degrades_reads_and_fails_writes_fast(
    aiohttp_client: AiohttpClient, own_cluster: EtcdCluster
) -> None:
    url = prefix_url(own_cluster)
    a, b = await replicas(aiohttp_client, url)
    assert (await a.post("/schema/ticks_v1", json=doc("1.0.0"))).status == 201

    async def b_has_it() -> bool:
        return (await b.get("/schema/ticks_v1/1.0.0")).status == 200

    await eventually(b_has_it)
    own_cluster.members[0].stop()

    for replica in (a, b):
        assert (await replica.get("/schema/ticks_v1")).status == 200
        refused = await replica.post("/schema/ticks_v1", json=doc("1.1.0"))
        assert refused.status == 503
        body = await refused.json()
        assert body["error"] == "store_unavailable"
        assert "etcd" not in body["message"]  # hosts and ports are for operators
        health = await (await replica.get("/health")).json()
        assert health["status"] == "degraded"
        assert health["store"] == "down"
        metrics = await (await replica.get("/metrics")).text()
        assert "schema_registry_store_up 0.0" in metrics

    own_cluster.members[0].start()
    own_cluster.wait_healthy(30)

    async def writes_again() -> bool:
        response = await b.post("/schema/ticks_v1", json=doc("1.1.0"))
        return response.status in (200, 201)

    await eventually(writes_again, within=30)
    assert (await a.post("/schema/ticks_v1", json=doc("2.0.0"))).status == 201

    async def both_current() -> bool:
        for replica in (a, b):
            latest = await (await replica.get("/schema/ticks_v1")).json()
            if latest["version"] != "2.0.0":
                return False
        return True

    await eventually(both_current)
    for replica in (a, b):
        health = await (await replica.get("/health")).json()
        assert health["status"] == "ok"
        # The index's watch broke with etcd and was resumed, not restarted from scratch.
        assert health["index"]["watch_resumes"] >= 1
        assert health["index"]["watch_reloads"] == 0
    events = await collect_events(url, until=3)
    assert [e.revision for e in events] == [1, 2, 3]
    assert [e.data["version"] for e in events] == ["1.0.0", "1.1.0", "2.0.0"]


async def test_leader_loss_loses_no_acknowledged_publish(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    with start_cluster(tmp_path / "etcd3", size=3) as cluster:
        await _publish_through_a_leader_failure(aiohttp_client, cluster)


async def _publish_through_a_leader_failure(
    aiohttp_client: AiohttpClient, cluster: EtcdCluster
) -> None:
    url = prefix_url(cluster)
    a, b = await replicas(aiohttp_client, url)
    acknowledged: set[str] = set()
    publishes = 60

    async def publish(n: int) -> None:
        replica = (a, b)[n % 2]
        schema_id = f"stream_{n:03d}"
        # Clients retry what was not acknowledged; a retried publish that had in fact been
        # committed comes back 200 (identical re-publish), so every id ends up stored once.
        async with asyncio.timeout(60):
            while True:
                document = doc("1.0.0") | {"id": schema_id}
                response = await replica.post(f"/schema/{schema_id}", json=document)
                if response.status in (200, 201):
                    acknowledged.add(schema_id)
                    return
                assert response.status == 503, await response.text()
                await asyncio.sleep(0.1)

    for n in range(publishes):
        if n == publishes // 3:
            leader = cluster.leader()
            leader.kill()
        await publish(n)
    assert len(acknowledged) == publishes

    for replica in (a, b):

        async def has_all(replica: Client = replica) -> bool:
            listed = await (await replica.get("/schemas?limit=1000")).json()
            return {s["id"] for s in listed["schemas"]} >= acknowledged

        await eventually(has_all, within=30)
    store = open_store(url)
    assert isinstance(store, EtcdStore)
    await store.start()
    try:
        records = await store.list_ids(limit=1000)
        assert {r.schema_id for r in records} == acknowledged
        revision = await store.revision()
    finally:
        await store.close()
    events = await collect_events(url, until=revision)
    assert [e.revision for e in events] == list(range(1, revision + 1))
    created = [e.subject for e in events if e.type == VERSION_CREATED]
    assert sorted(created) == sorted(acknowledged)


async def test_a_replica_cut_off_through_a_compaction_catches_up(
    aiohttp_client: AiohttpClient, own_cluster: EtcdCluster
) -> None:
    # B reaches etcd through a proxy the test cuts: B's watch is down while A keeps writing.
    proxy = TcpProxy(own_cluster.members[0].client_port)
    await proxy.start()
    try:
        prefix = f"/itest/{uuid.uuid4().hex}/"
        a = await aiohttp_client(
            create_app(secured(store_url=own_cluster.url + prefix)), headers=bearer()
        )
        b_url = f"etcd://127.0.0.1:{proxy.port}{prefix}"
        b = await aiohttp_client(create_app(secured(store_url=b_url)), headers=bearer())
        assert (await a.post("/schema/ticks_v1", json=doc("1.0.0"))).status == 201

        async def b_serves(version: str) -> bool:
            latest = await (await b.get("/schema/ticks_v1")).json()
            return bool(latest.get("version") == version)

        await eventually(lambda: b_serves("1.0.0"))
        await proxy.cut()
        assert (await a.post("/schema/ticks_v1", json=doc("1.1.0"))).status == 201
        assert (await a.post("/schema/ticks_v1", json=doc("2.0.0"))).status == 201
        own_cluster.compact(own_cluster.current_revision())

        async def b_degraded() -> bool:
            health = await (await b.get("/health")).json()
            return bool(health["status"] == "degraded")

        await eventually(b_degraded)
        # Cut off, B still answers reads from its index: stale, but served.
        assert await b_serves("1.0.0")
        await proxy.restore()
        await eventually(lambda: b_serves("2.0.0"), within=30)
        versions = await (await b.get("/schema/ticks_v1/versions")).json()
        assert versions["versions"] == ["1.0.0", "1.1.0", "2.0.0"]
        health = await (await b.get("/health")).json()
        assert health["status"] == "ok"
        assert health["index"]["watch_resumes"] >= 1
    finally:
        await proxy.close()


async def test_a_subscriber_on_b_hears_a_publish_through_a(
    aiohttp_client: AiohttpClient, etcd_cluster: EtcdCluster
) -> None:
    a, b = await replicas(aiohttp_client, prefix_url(etcd_cluster))
    async with b.ws_connect("/ws") as ws:
        await ws.send_json({"op": "subscribe", "ids": ["ticks_v1"]})
        subscribed = await ws.receive_json(timeout=CATCH_UP)
        assert subscribed["type"] == "subscribed"
        assert (await a.post("/schema/ticks_v1", json=doc("1.0.0"))).status == 201
        event = await ws.receive_json(timeout=CATCH_UP)
    assert event["type"] == "schema.version.created"
    assert event["subject"] == "ticks_v1"
    assert event["revision"] == 1
    assert event["data"]["version"] == "1.0.0"
