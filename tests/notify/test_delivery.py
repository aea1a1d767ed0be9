"""WebhookDelivery against the local receiver: permanent errors, give-up, timeouts."""

from __future__ import annotations

import pytest

from hub.notifiers.delivery import DeliveryPolicy, WebhookDelivery
from tests.notify.receiver import WebhookReceiver

pytestmark = pytest.mark.asyncio

MESSAGE = {"text": "hello", "blocks": []}


async def test_a_client_error_is_not_retried(receiver: WebhookReceiver) -> None:
    receiver.failures, receiver.fail_status = 1, 404
    outcomes: list[str] = []
    delivery = WebhookDelivery(receiver.url, DeliveryPolicy(backoff=0), on_outcome=outcomes.append)
    try:
        assert await delivery.post(MESSAGE) is False
    finally:
        await delivery.close()
    assert receiver.calls == 1
    assert outcomes == ["failed"]


async def test_timeouts_are_retried_then_given_up(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.hang = True
    outcomes: list[str] = []
    policy = DeliveryPolicy(attempts=3, timeout=0.2, backoff=0.05)
    delivery = WebhookDelivery(receiver.url, policy, on_outcome=outcomes.append)
    try:
        assert await delivery.post(MESSAGE) is False
    finally:
        await delivery.close()
    assert receiver.calls == 3
    assert outcomes == ["retried", "retried", "failed"]
    assert "gave up on 'hello' after 3 attempt(s)" in caplog.text


async def test_retry_after_is_capped(receiver: WebhookReceiver) -> None:
    receiver.failures, receiver.fail_status, receiver.retry_after = 1, 429, "3600"
    policy = DeliveryPolicy(max_wait=0.1)
    delivery = WebhookDelivery(receiver.url, policy)
    try:
        assert await delivery.post(MESSAGE) is True
    finally:
        await delivery.close()
    assert receiver.messages == [MESSAGE]
