"""The cached-read fast path (service/api/cached_read.py) answers exactly what the general path
answers, spends the same read budget, records the same metrics, and hands everything else on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pytest_aiohttp import AiohttpClient

from service.app import create_app
from service.registry import Registry
from service.security.ratelimit import Budget
from tests.api.conftest import Client, store_url, tick
from tests.auth import bearer, secured
from tests.metric_samples import samples

pytestmark = pytest.mark.asyncio

# A budget that the refill timer cannot top up during a test: 5 reads, then 429.
TIGHT = Budget(rate=0.001, burst=5)


class GeneralPathCalls:
    """Counts `Registry.version` calls: the general path makes one per schema read, the fast
    path none (it reads the index directly)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original: Callable[..., Any] = Registry.version

        def counted(registry: Registry, *args: Any) -> Any:
            self.count += 1
            return original(registry, *args)

        monkeypatch.setattr(Registry, "version", counted)


@pytest.fixture
def general_calls(monkeypatch: pytest.MonkeyPatch) -> GeneralPathCalls:
    return GeneralPathCalls(monkeypatch)


async def _anonymous(
    aiohttp_client: AiohttpClient, directory: Path, backend: str, **overrides: Any
) -> Client:
    """A client without default headers (anonymous) with ticks 1.0.0 and 1.1.0 published."""
    settings = secured(store_url=store_url(backend, directory), **overrides)
    client = await aiohttp_client(create_app(settings))
    for version in ("1.0.0", "1.1.0"):
        response = await client.post("/schema/ticks_v1", json=tick(version), headers=bearer())
        assert response.status == 201, await response.text()
    return client


@pytest_asyncio.fixture
async def anonymous(
    aiohttp_client: AiohttpClient, tmp_path: Path, backend: str
) -> AsyncIterator[Client]:
    yield await _anonymous(aiohttp_client, tmp_path, backend)


async def _answer(client: Client, path: str, **headers: str) -> tuple[int, bytes, str, str]:
    response = await client.get(path, headers=headers)
    body = await response.read()
    return response.status, body, response.headers.get("ETag", ""), response.content_type


PATHS = [
    "/schema/ticks_v1",
    "/schema/ticks_v1/1.0.0",
    "/schema/ticks_v1/1.1.0",
    "/schema/ticks_v1/latest",
    "/schema/ticks_v1/01.0.0",
    "/schema/ticks_v1/9.9.9",
    "/schema/ticks_v1/not-a-version",
    "/schema/unknown",
    "/schema/BAD%20ID",
    "/schema/" + "x" * 5000,
]


@pytest.mark.parametrize("path", PATHS)
async def test_anonymous_reads_answer_like_authenticated_ones(anonymous: Client, path: str) -> None:
    # A reader's token sends the request through the general path (admit, get_schema).
    general = await _answer(anonymous, path, **bearer("reader"))
    fast = await _answer(anonymous, path)
    assert fast == general


@pytest.mark.parametrize("limited", [True, False])
async def test_the_common_reads_skip_the_general_path(
    aiohttp_client: AiohttpClient,
    tmp_path: Path,
    backend: str,
    general_calls: GeneralPathCalls,
    limited: bool,
) -> None:
    # A rate too low for the refill timer to fill (and so forget) the bucket mid-test.
    budget = Budget(rate=0.001, burst=10_000) if limited else Budget(rate=0.0, burst=0)
    anonymous = await _anonymous(aiohttp_client, tmp_path, backend, read_budget=budget)
    # With a read budget, the first anonymous read creates the client's bucket, which only the
    # general path does; without one there is no bucket to create.
    assert (await anonymous.get("/schema/ticks_v1")).status == 200
    first = 1 if limited else 0
    assert general_calls.count == first
    for path in ("/schema/ticks_v1", "/schema/ticks_v1/1.0.0", "/schema/ticks_v1/1.1.0"):
        response = await anonymous.get(path)
        assert response.status == 200
    assert general_calls.count == first
    # What the fast path does not serve goes on to the general path, once each.
    handed_on: list[tuple[str, dict[str, str]]] = [
        ("/schema/ticks_v1/latest", {}),
        ("/schema/ticks_v1/01.1.0", {}),
        ("/schema/unknown", {}),
        ("/schema/ticks_v1", {"If-None-Match": "*"}),
        ("/schema/ticks_v1", bearer("reader")),
    ]
    for path, headers in handed_on:
        await anonymous.get(path, headers=headers)
    assert (await anonymous.head("/schema/ticks_v1")).status == 200
    assert general_calls.count == first + len(handed_on) + 1


async def test_a_new_version_is_served_at_once(anonymous: Client) -> None:
    await anonymous.get("/schema/ticks_v1")
    published = await anonymous.post("/schema/ticks_v1", json=tick("2.0.0"), headers=bearer())
    assert published.status == 201, await published.text()
    response = await anonymous.get("/schema/ticks_v1")
    assert (await response.json())["version"] == "2.0.0"
    assert (
        response.headers["ETag"]
        == ((await anonymous.get("/schema/ticks_v1/2.0.0")).headers["ETag"])
    )


async def test_a_deleted_schema_is_gone_from_the_fast_path(anonymous: Client) -> None:
    assert (await anonymous.get("/schema/ticks_v1/1.0.0")).status == 200
    deleted = await anonymous.delete("/schema/ticks_v1", headers=bearer())
    assert deleted.status == 200, await deleted.text()
    for path in ("/schema/ticks_v1", "/schema/ticks_v1/1.0.0"):
        response = await anonymous.get(path)
        assert response.status == 404
        assert (await response.json())["error"] == "schema_not_found"


async def test_conditional_reads_still_get_304(anonymous: Client) -> None:
    etag = (await anonymous.get("/schema/ticks_v1")).headers["ETag"]
    response = await anonymous.get("/schema/ticks_v1", headers={"If-None-Match": etag})
    assert response.status == 304
    assert await response.read() == b""


async def test_a_bad_token_is_still_refused(anonymous: Client) -> None:
    response = await anonymous.get("/schema/ticks_v1", headers={"Authorization": "Bearer nope"})
    assert response.status == 401


async def test_the_fast_path_spends_the_same_read_budget(
    aiohttp_client: AiohttpClient, tmp_path: Path, backend: str
) -> None:
    client = await _anonymous(aiohttp_client, tmp_path, backend, read_budget=TIGHT)
    statuses = [(await client.get("/schema/ticks_v1")).status for _ in range(TIGHT.burst + 2)]
    assert statuses == [200] * TIGHT.burst + [429, 429]
    refused = await client.get("/schema/ticks_v1/1.0.0")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await refused.json())["error"] == "rate_limited"


async def test_reads_that_need_a_token_never_take_the_fast_path(
    aiohttp_client: AiohttpClient, tmp_path: Path, backend: str
) -> None:
    client = await _anonymous(aiohttp_client, tmp_path, backend, require_auth_for_reads=True)
    assert (await client.get("/schema/ticks_v1")).status == 401
    assert (await client.get("/schema/ticks_v1", headers=bearer("reader"))).status == 200


async def test_fast_reads_are_counted_like_general_ones(anonymous: Client) -> None:
    for _ in range(7):
        assert (await anonymous.get("/schema/ticks_v1")).status == 200
    for _ in range(3):
        assert (await anonymous.get("/schema/ticks_v1/1.0.0")).status == 200
    found = samples(await (await anonymous.get("/metrics")).text())

    def served(route: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", "200"))
        return found[("schema_registry_request_duration_seconds_count", labels)]

    assert served("/schema/{id}") == 7
    assert served("/schema/{id}/{version}") == 3
    fetches = "schema_registry_schema_fetches_total"
    assert found[(fetches, (("schema_id", "ticks_v1"), ("version", "1.1.0")))] == 7
    assert found[(fetches, (("schema_id", "ticks_v1"), ("version", "1.0.0")))] == 3
    assert found[("schema_registry_index_lookups_total", (("outcome", "hit"),))] == 10
