"""The cache, measured at both ends: `client.stats` and the requests the registry answered."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer

from registry_client import RegistryClient, SchemaNotFound
from tests.client.conftest import delete, minor, publish, requests, url

pytestmark = pytest.mark.asyncio

LATEST = "GET /schema/ticks_v1"


async def test_a_second_read_is_a_cache_hit(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        first = await client.get("ticks_v1")
        first["title"] = "mutated by the caller"
        second = await client.get("ticks_v1@latest")
        assert second["version"] == "1.0.0"
        assert second["title"] != "mutated by the caller"
        assert (client.stats.misses, client.stats.hits) == (1, 1)
    assert requests(registry)[f"{LATEST} 200"] == 1


async def test_after_the_ttl_an_unchanged_schema_is_revalidated_with_its_etag(
    registry: TestServer,
) -> None:
    async with RegistryClient(url(registry), ttl=0.05, live=False) as client:
        await client.get("ticks_v1")
        await asyncio.sleep(0.1)
        assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        assert (client.stats.revalidations, client.stats.not_modified) == (1, 1)
        assert requests(registry)[f"{LATEST} 304"] == 1
        # The 304 refreshed the TTL: read again at once, nothing is sent.
        await client.get("ticks_v1")
        assert client.stats.hits == 1
        assert sum(n for key, n in requests(registry).items() if key.startswith(LATEST)) == 2
        # A changed one comes back whole.
        await publish(registry, minor("1.1.0"))
        await asyncio.sleep(0.1)
        assert (await client.get("ticks_v1"))["version"] == "1.1.0"
        assert (client.stats.revalidations, client.stats.not_modified) == (2, 1)
        assert requests(registry)[f"{LATEST} 200"] == 2


async def test_pinned_versions_are_never_fetched_again(registry: TestServer) -> None:
    async with RegistryClient(url(registry), ttl=0) as client:
        pinned = await client.get("ticks_v1@1.0.0")
        async with asyncio.timeout(1):
            await client.wait_live()
        await publish(registry, minor("1.1.0"))
        await asyncio.sleep(0.1)  # the event has reached the client: it must not drop the pin
        for _ in range(3):
            assert await client.get("ticks_v1@1.0.0") == pinned
        assert (client.stats.misses, client.stats.hits, client.stats.revalidations) == (1, 3, 0)
    assert requests(registry)["GET /schema/ticks_v1/1.0.0 200"] == 1


async def test_concurrent_reads_of_a_cold_ref_share_one_request(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        documents = await asyncio.gather(*(client.get("ticks_v1") for _ in range(20)))
        assert {document["version"] for document in documents} == {"1.0.0"}
        assert (client.stats.misses, client.stats.coalesced) == (1, 19)
    assert requests(registry)[f"{LATEST} 200"] == 1


async def test_a_deleted_schema_is_not_served_from_the_cache(registry: TestServer) -> None:
    async with RegistryClient(url(registry), ttl=0, live=False) as client:
        await client.get("ticks_v1")
        await delete(registry, "ticks_v1")
        with pytest.raises(SchemaNotFound):
            await client.get("ticks_v1")
        # Dropped, not kept as a stale copy: the next read asks again (and is refused again).
        with pytest.raises(SchemaNotFound):
            await client.get("ticks_v1")
        assert client.stats.revalidations == 1
        assert client.stats.misses == 2


async def test_validators_compile_once_per_content(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        validator = await client.validator("ticks_v1@1.0.0")
        record = {"ts": "2026-01-01T00:00:00Z", "symbol": "X", "price": 1.5, "size": 1}
        assert validator(record) == record
        with pytest.raises(Exception, match="must contain"):
            validator({})
        # The `arrow` block is registry metadata, stripped before compiling: no keyword of the
        # schema, so a record field of that name is just one more field the schema forbids.
        with pytest.raises(Exception, match="must not contain"):
            validator({**record, "arrow": 1})
        assert await client.validator("ticks_v1@1.0.0") is validator
        # The same content under another ref (latest is 1.0.0 too) shares the compiled function.
        assert await client.validator("ticks_v1") is validator
