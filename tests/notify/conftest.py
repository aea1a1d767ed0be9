"""Notifier fixtures: the local webhook receiver and an app wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from tests.api.conftest import Client
from tests.auth import bearer, secured
from tests.notify.receiver import WebhookReceiver

AppFactory = Callable[..., Awaitable[Client]]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    webhook = WebhookReceiver()
    await webhook.start()
    yield webhook
    await webhook.stop()


@pytest_asyncio.fixture
async def slack_app(aiohttp_client: AiohttpClient, receiver: WebhookReceiver) -> AppFactory:
    """Builds a client on an app over memory:// that posts to `receiver`; settings overridable."""

    async def build(**overrides: Any) -> Client:
        values: dict[str, Any] = {
            "store_url": "memory://",
            "slack_webhook_url": receiver.url,
            "slack_health_interval": 0.2,
        }
        settings = secured(**{**values, **overrides})
        return await aiohttp_client(create_app(settings), headers=bearer())

    return build
