"""Two replicas on one etcd: one sends each notification; a stopped leader's successor sends on."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from service.notify import NOTIFIER
from tests.api.conftest import Client, tick
from tests.auth import bearer, secured
from tests.etcd_server import EtcdCluster
from tests.notify.receiver import WebhookReceiver

pytestmark = pytest.mark.asyncio

TTL = 2


async def replicas(
    aiohttp_client: AiohttpClient, cluster: EtcdCluster, receiver: WebhookReceiver
) -> list[Client]:
    url = f"{cluster.url}/notify-test/{uuid.uuid4().hex}/"
    settings = secured(store_url=url, slack_webhook_url=receiver.url, slack_lease_ttl=TTL)
    return [await aiohttp_client(create_app(settings), headers=bearer()) for _ in range(2)]


def leading(client: Client) -> bool:
    assert client.app is not None
    return client.app[NOTIFIER].leading


async def the_leader(clients: list[Client]) -> Client:
    for _ in range(TTL * 250):
        leaders = [c for c in clients if leading(c)]
        assert len(leaders) <= 1
        if leaders:
            return leaders[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no replica took the notifier lease within {TTL * 5} s")


async def test_one_message_per_publish_and_a_hand_over(
    aiohttp_client: AiohttpClient, etcd_cluster: EtcdCluster, receiver: WebhookReceiver
) -> None:
    clients = await replicas(aiohttp_client, etcd_cluster, receiver)
    leader = await the_leader(clients)
    follower = next(c for c in clients if c is not leader)
    for n, version in enumerate(("1.0.0", "1.1.0", "1.2.0")):
        # Through both replicas: the events reach every replica, only the leader sends.
        response = await clients[n % 2].post("/schema/ticks_v1", json=tick(version))
        assert response.status == 201
    await receiver.wait_for(3)
    await asyncio.sleep(0.5)
    assert receiver.titles() == [
        "🆕 New Schema: ticks_v1 v1.0.0",
        "✅ Schema Updated: ticks_v1 v1.1.0",
        "✅ Schema Updated: ticks_v1 v1.2.0",
    ]

    await leader.close()
    # Published before the successor necessarily leads: it resumes from the recorded revision.
    response = await follower.post("/schema/ticks_v1", json=tick("2.0.0"))
    assert response.status == 201
    async with asyncio.timeout(TTL * 5):
        await receiver.wait_for(4)
    assert leading(follower)
    await asyncio.sleep(0.5)
    assert receiver.titles()[3:] == ["🚨 Breaking Schema Change: ticks_v1 v2.0.0"]
