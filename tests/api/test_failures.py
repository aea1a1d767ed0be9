"""Store outages and unexpected errors: 503 and 500 as JSON, the traceback only in the log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from service.api.endpoint import Rule, endpoint
from service.app import create_app
from service.metrics import RequestStats
from service.security.guard import Guard, GuardConfig
from service.security.roles import Access
from service.storage import MemoryStore
from service.storage.contract import AuditEntry, NewVersion, StoredVersion, StoreUnavailable
from tests.api.conftest import Client, publish, tick
from tests.auth import UNLIMITED, bearer, secured

pytestmark = pytest.mark.asyncio


class FlakyStore(MemoryStore):
    """A memory store whose writes fail the way `fail_with` says."""

    fail_with: BaseException | None = None

    async def create_version(
        self,
        version: NewVersion,
        *,
        expected_mod_revision: int,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> StoredVersion:
        if self.fail_with is not None:
            raise self.fail_with
        return await super().create_version(
            version, expected_mod_revision=expected_mod_revision, event_data=event_data, audit=audit
        )


@pytest_asyncio.fixture
async def flaky() -> AsyncIterator[FlakyStore]:
    store = FlakyStore()
    await store.start()
    yield store
    await store.close()


@pytest_asyncio.fixture
async def flaky_client(aiohttp_client: AiohttpClient, flaky: FlakyStore) -> Client:
    return await aiohttp_client(
        create_app(secured(store_url="memory://"), store=flaky), headers=bearer()
    )


async def test_store_down_is_503_and_reads_still_served(
    flaky_client: Client, flaky: FlakyStore
) -> None:
    assert (await publish(flaky_client, tick("1.0.0"))).status == 201
    flaky.fail_with = StoreUnavailable("disk on fire")
    response = await publish(flaky_client, tick("1.1.0"))
    assert response.status == 503
    assert (await response.json())["error"] == "store_unavailable"
    assert (await flaky_client.get("/schema/ticks_v1")).status == 200


async def test_health_degraded_when_the_store_is_down(
    flaky_client: Client, flaky: FlakyStore
) -> None:
    assert (await publish(flaky_client, tick("1.0.0"))).status == 201
    await flaky.close()
    health = await flaky_client.get("/health")
    assert health.status == 200
    body = await health.json()
    assert (body["status"], body["store"]) == ("degraded", "down")
    assert body["index"]["lag"] is None
    assert (await flaky_client.get("/schema/ticks_v1")).status == 200
    response = await publish(flaky_client, tick("1.1.0"))
    assert response.status == 503


async def test_unexpected_error_is_500_without_traceback(
    flaky_client: Client, flaky: FlakyStore, caplog: pytest.LogCaptureFixture
) -> None:
    flaky.fail_with = RuntimeError("secret internals")
    response = await publish(flaky_client, tick("1.0.0"))
    assert response.status == 500
    body = await response.json()
    assert body["error"] == "internal_error"
    request_id = body["details"]["request_id"]
    assert request_id in body["message"]
    assert "secret" not in await response.text()
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (web.HTTPRequestEntityTooLarge(max_size=10, actual_size=20), 413, "payload_too_large"),
        (web.HTTPUnsupportedMediaType(), 415, "unsupported_media_type"),
        (web.HTTPBadRequest(), 400, "bad_request"),
    ],
)
async def test_aiohttp_errors_render_as_json(
    aiohttp_client: AiohttpClient, raised: web.HTTPException, status: int, code: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise raised

    app = web.Application()
    guard = Guard(GuardConfig(False, None, False, UNLIMITED, UNLIMITED))
    app.router.add_get(
        "/", endpoint(handler, "/", Rule(Access.OPEN, "test"), guard, RequestStats())
    )
    client = await aiohttp_client(app)
    response = await client.get("/")
    assert response.status == status
    assert (await response.json())["error"] == code
