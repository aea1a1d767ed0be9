"""Slack notifications through a real app: messages, retries, give-up, isolation, thresholds."""

from __future__ import annotations

import asyncio
import re

import pytest
from pytest_aiohttp import AiohttpClient

from service.api.state import METRICS
from service.app import create_app
from service.storage.contract import StoreUnavailable
from service.storage.memory import MemoryStore
from tests.api.conftest import Client, publish_all, tick
from tests.auth import bearer, secured
from tests.notify.conftest import AppFactory
from tests.notify.receiver import WebhookReceiver, block_text

pytestmark = pytest.mark.asyncio

UTC_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")


def notifications(client: Client, outcome: str) -> float:
    assert client.app is not None
    value = client.app[METRICS].registry.get_sample_value(
        "schema_registry_notifications_total", {"outcome": outcome}
    )
    return value or 0.0


async def counted(client: Client, outcome: str, value: float) -> None:
    """Waits (bounded) until the notifications metric of `outcome` reaches `value`: the receiver
    records a message a moment before its answer reaches the sender."""
    for _ in range(500):
        if notifications(client, outcome) >= value:
            break
        await asyncio.sleep(0.02)
    assert notifications(client, outcome) == value


async def test_breaking_and_compatible_publishes(
    slack_app: AppFactory, receiver: WebhookReceiver
) -> None:
    client = await slack_app()
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    first, compatible, breaking = await receiver.wait_for(3)

    assert first["text"] == "🆕 New Schema: ticks_v1 v1.0.0"

    assert compatible["text"] == "✅ Schema Updated: ticks_v1 v1.1.0"
    text = block_text(compatible)
    assert "`1.0.0` → `1.1.0`" in text
    assert "minor, compatible" in text
    assert "optional property 'exchange_id' added" in text
    assert UTC_TIME.search(text)

    assert breaking["text"] == "🚨 Breaking Schema Change: ticks_v1 v2.0.0"
    assert breaking["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": breaking["text"], "emoji": True},
    }
    text = block_text(breaking)
    assert "`ticks_v1`" in text
    assert "`1.1.0` → `2.0.0`" in text
    assert "*Breaking changes (3):*" in text
    assert "`#/properties/price` property 'price' removed" in text
    assert "required property 'last_price' added" in text
    assert "Field 'price' renamed to 'last_price'" in text
    # The non-breaking change is listed apart from the breaking ones.
    breaking_section = text.split("*Breaking changes (3):*")[1].split("*Other changes")[0]
    assert "no longer required" not in breaking_section
    assert UTC_TIME.search(text)
    await counted(client, "sent", 3)


@pytest.mark.parametrize(("status", "retry_after"), [(429, "1"), (500, None)])
async def test_a_refusing_receiver_is_retried_and_gets_the_message_once(
    slack_app: AppFactory, receiver: WebhookReceiver, status: int, retry_after: str | None
) -> None:
    receiver.failures, receiver.fail_status, receiver.retry_after = 2, status, retry_after
    client = await slack_app()
    await publish_all(client, "1.0.0")
    await receiver.wait_for(1)
    await asyncio.sleep(0.3)  # nothing more arrives
    assert receiver.titles() == ["🆕 New Schema: ticks_v1 v1.0.0"]
    assert receiver.calls == 3
    if retry_after is not None:
        # Retry-After: 1 was honoured (not the 0.5 s backoff) between the attempts.
        gaps = [b - a for a, b in zip(receiver.call_times, receiver.call_times[1:], strict=False)]
        assert min(gaps) >= 0.9, gaps
    await counted(client, "sent", 1)
    assert notifications(client, "retried") == 2
    assert notifications(client, "failed") == 0


async def test_giving_up_after_the_bound_counts_a_failure(
    slack_app: AppFactory, receiver: WebhookReceiver
) -> None:
    receiver.failures = 1_000
    client = await slack_app(slack_attempts=2)
    await publish_all(client, "1.0.0")
    await counted(client, "failed", 1)
    assert receiver.calls == 2
    assert receiver.messages == []
    metrics = await (await client.get("/metrics")).text()
    assert 'schema_registry_notifications_total{outcome="failed"} 1.0' in metrics


async def test_a_hanging_receiver_delays_neither_websockets_nor_reads(
    slack_app: AppFactory, receiver: WebhookReceiver
) -> None:
    receiver.hang = True
    client = await slack_app(slack_timeout=60.0)
    async with client.ws_connect("/ws") as ws:
        await ws.send_json({"op": "subscribe", "ids": ["ticks_v1"]})
        assert (await ws.receive_json(timeout=5))["type"] == "subscribed"
        for version in ("1.0.0", "1.1.0", "1.2.0"):
            await publish_all(client, version)
            # Generous bounds: the point is that nothing waits for Slack's 60 s timeout.
            event = await ws.receive_json(timeout=5)
            assert event["data"]["version"] == version
            async with asyncio.timeout(5):
                assert (await client.get("/schema/ticks_v1")).status == 200
        assert receiver.calls == 1  # the first message is still stuck in Slack
        assert receiver.messages == []
    receiver.release.set()
    await receiver.wait_for(3)


async def test_validation_failures_alert_once_the_threshold_is_reached(
    slack_app: AppFactory, receiver: WebhookReceiver
) -> None:
    client = await slack_app(slack_failure_threshold=10)
    await publish_all(client, "1.0.0")
    await receiver.wait_for(1)
    reports = [
        {"rows": 100, "rejected": 4, "reasons": {"price: not a number": 3, "size < 0": 1}},
        {"rows": 50, "rejected": 3, "reasons": {"price: not a number": 3}, "version": "1.0.0"},
        {
            "rows": 200,
            "rejected": 5,
            "reasons": {"size < 0": 4, "ts: bad date": 1},
            "source": "https://ci.example.com/job/42",
        },
    ]
    for n, report in enumerate(reports):
        response = await client.post("/schema/ticks_v1/failures", json=report)
        assert response.status == 202, await response.text()
        if n < 2:
            await asyncio.sleep(0.3)
            assert len(receiver.messages) == 1, "below the threshold: no message yet"
    messages = await receiver.wait_for(2)
    alert = messages[1]
    assert alert["text"] == "⚠️ Validation Failures: ticks_v1"
    text = block_text(alert)
    assert "12 of 350 (3.4 %)" in text
    assert "*Reports:*\n3" in text
    assert "• price: not a number: 6\n• size &lt; 0: 5\n• ts: bad date: 1" in text
    assert "<https://ci.example.com/job/42|" in text
    assert UTC_TIME.search(text)
    # The count starts again: one small report later is quiet.
    small = {"rows": 10, "rejected": 1, "reasons": {"x": 1}}
    assert (await client.post("/schema/ticks_v1/failures", json=small)).status == 202
    await asyncio.sleep(0.3)
    assert len(receiver.messages) == 2


class _FlakyStore(MemoryStore):
    """A memory store whose revision probe (what health checks) can be made to fail."""

    down = False

    async def revision(self) -> int:
        if self.down:
            raise StoreUnavailable("store is down (test)")
        return await super().revision()


async def test_health_changes_are_reported(
    aiohttp_client: AiohttpClient, receiver: WebhookReceiver
) -> None:
    store = _FlakyStore()
    await store.start()
    settings = secured(
        store_url="memory://", slack_webhook_url=receiver.url, slack_health_interval=0.1
    )
    await aiohttp_client(create_app(settings, store=store), headers=bearer())
    await asyncio.sleep(0.3)
    store.down = True
    down = (await receiver.wait_for(1))[0]
    assert down["text"] == "🔴 Schema Registry Degraded: store down"
    assert "writes fail with 503" in block_text(down)
    store.down = False
    recovered = (await receiver.wait_for(2))[1]
    assert recovered["text"] == "🟢 Schema Registry Recovered: store up"
    assert UTC_TIME.search(block_text(recovered))
    await store.close()


async def test_a_digest_summarises_the_requests(
    slack_app: AppFactory, receiver: WebhookReceiver
) -> None:
    client = await slack_app(slack_digest_interval=0.5)
    await publish_all(client, "1.0.0")
    for _ in range(3):
        assert (await client.get("/schema/ticks_v1")).status == 200
    messages = await receiver.wait_for(2)
    digest = next(m for m in messages if m["text"].startswith("📊"))
    text = block_text(digest)
    assert "*Versions published:*\n1" in text
    assert "`ticks_v1`: 3" in text


async def test_no_url_no_notifier(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(secured(store_url="memory://")), headers=bearer())
    await publish_all(client, "1.0.0")
    assert client.app is not None
    from service.notify import NOTIFIER

    assert NOTIFIER not in client.app
    assert tick("1.0.0")["id"] == "ticks_v1"
