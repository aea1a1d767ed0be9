"""Leadership on an etcd lease: one leader among campaigners, hand-over on resign and on crash."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from service.storage.etcd_connection import EtcdConnection, parse_endpoints
from service.storage.etcd_leader import Leadership
from tests.etcd_server import EtcdCluster

pytestmark = pytest.mark.asyncio

TTL = 2


@pytest_asyncio.fixture
async def campaigners(etcd_cluster: EtcdCluster) -> AsyncIterator[list[Leadership]]:
    key = f"/leadership-test/{uuid.uuid4().hex}".encode()
    connections = [EtcdConnection(parse_endpoints(etcd_cluster.endpoints)) for _ in range(3)]
    yield [
        Leadership(connection, key, f"replica-{n}", ttl=TTL)
        for n, connection in enumerate(connections)
    ]
    for connection in connections:
        await connection.close()


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _leader(candidates: list[Leadership]) -> Leadership:
    async with asyncio.timeout(TTL * 5):
        while True:
            leading = [c for c in candidates if c.leading]
            assert len(leading) <= 1, [c.identity for c in leading]
            if leading:
                return leading[0]
            await asyncio.sleep(0.02)


async def test_one_leader_and_a_hand_over_on_resign(campaigners: list[Leadership]) -> None:
    tasks = {c.identity: asyncio.create_task(c.run()) for c in campaigners}
    try:
        first = await _leader(campaigners)
        # It stays the only leader while it holds the lease.
        for _ in range(20):
            await asyncio.sleep(0.05)
            assert [c for c in campaigners if c.leading] == [first]
        await _stop(tasks.pop(first.identity))
        assert not first.leading
        rest = [c for c in campaigners if c is not first]
        second = await _leader(rest)
        assert second is not first
    finally:
        for task in tasks.values():
            await _stop(task)


class _Crashing(Leadership):
    """Dies without resigning, as a killed process would: its lease just stops being kept."""

    async def _resign(self) -> None:
        return None


async def test_a_crashed_leader_is_replaced_after_its_lease(
    campaigners: list[Leadership],
) -> None:
    first, second, _ = campaigners
    crashing = _Crashing(first.connection, first.key, "crashing", ttl=TTL)
    crashing_task = asyncio.create_task(crashing.run())
    await crashing.wait(True)
    await _stop(crashing_task)
    second_task = asyncio.create_task(second.run())
    try:
        # Nobody leads while the dead leader's lease lasts; then the second takes over.
        await asyncio.sleep(TTL / 4)
        assert not second.leading
        async with asyncio.timeout(TTL * 5):
            await second.wait(True)
    finally:
        await _stop(second_task)
