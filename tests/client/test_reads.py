"""The SDK's calls beyond `get`, each against a real registry: listings, compat dry runs,
server-side validation, and the Arrow schema."""

from __future__ import annotations

import pyarrow as pa
import pytest
from aiohttp.test_utils import TestServer

from registry_client import RegistryClient
from tests.api.conftest import tick
from tests.client.conftest import publish, url

pytestmark = pytest.mark.asyncio


async def test_versions_compat_and_validation(registry: TestServer) -> None:
    await publish(registry, tick("1.1.0"))
    async with RegistryClient(url(registry), live=False) as client:
        assert await client.versions("ticks_v1") == ["1.0.0", "1.1.0"]
        with pytest.raises(ValueError, match="without '@version'"):
            await client.versions("ticks_v1@1.0.0")

        latest = await client.check_compat("ticks_v1", tick("1.2.0"))
        assert latest["against"] == "1.1.0"
        breaking = await client.check_compat("ticks_v1", tick("2.0.0"), against="1.0.0")
        assert (breaking["against"], breaking["required_bump"]) == ("1.0.0", "major")
        assert breaking["compatible"] is False

        good = {"ts": "2026-01-01T00:00:00Z", "symbol": "X", "price": 1.5, "size": 1}
        report = await client.validate("ticks_v1@1.0.0", [good, {"symbol": 1}])
        assert (report["valid"], report["invalid"]) == (1, 1)
        assert report["errors"][0]["index"] == 1
        assert (await client.validate("ticks_v1", good))["invalid"] == 0


async def test_the_arrow_schema_of_a_version(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        schema = await client.arrow_schema("ticks_v1@1.0.0")
        assert isinstance(schema, pa.Schema)
        assert schema.names == ["ts", "symbol", "price", "size", "side"]
        assert schema.field("ts").type == pa.timestamp("us")
        assert schema.field("size").type == pa.int32()
        # From the cache: asking again sends nothing.
        await client.arrow_schema("ticks_v1@1.0.0")
        assert (client.stats.misses, client.stats.hits) == (1, 1)
