"""RegistryClient against a real registry: cache, ETag revalidation, pushed invalidation,
stale-if-error, error mapping, and hostile answers from something that is not a registry."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from registry_client import (
    RegistryClient,
    RegistryError,
    RegistryUnavailable,
    SchemaNotFound,
    StaleDataWarning,
    Unauthorized,
    VersionNotFound,
)
from service.app import create_app
from tests.auth import secured, token
from tests.client.conftest import minor, publish, url

pytestmark = pytest.mark.asyncio


async def test_a_second_read_is_a_cache_hit(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        first = await client.get("ticks_v1")
        first["title"] = "mutated by the caller"
        second = await client.get("ticks_v1@latest")
        assert second["version"] == "1.0.0"
        assert second["title"] != "mutated by the caller"
        assert (client.stats.misses, client.stats.hits) == (1, 1)


async def test_after_the_ttl_an_unchanged_schema_is_revalidated_with_its_etag(
    registry: TestServer,
) -> None:
    async with RegistryClient(url(registry), ttl=0.05, live=False) as client:
        await client.get("ticks_v1")
        await asyncio.sleep(0.1)
        assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        assert (client.stats.revalidations, client.stats.not_modified) == (1, 1)
        # A changed one comes back whole.
        await publish(registry, minor("1.1.0"))
        await asyncio.sleep(0.1)
        assert (await client.get("ticks_v1"))["version"] == "1.1.0"
        assert client.stats.not_modified == 1


async def test_a_publish_invalidates_the_cached_latest_within_a_second(
    registry: TestServer,
) -> None:
    async with RegistryClient(url(registry), ttl=3600) as client:
        assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        async with asyncio.timeout(5):
            await client.wait_live()
        await publish(registry, minor("1.1.0"))
        # Polled for at most a second: the cache's TTL is an hour, only the hub can do this.
        for _ in range(50):
            if (await client.get("ticks_v1"))["version"] == "1.1.0":
                break
            await asyncio.sleep(0.02)
        assert (await client.get("ticks_v1"))["version"] == "1.1.0"
        assert client.stats.invalidations >= 1


async def test_pinned_versions_are_never_fetched_again(registry: TestServer) -> None:
    async with RegistryClient(url(registry), ttl=0, live=False) as client:
        pinned = await client.get("ticks_v1@1.0.0")
        await publish(registry, minor("1.1.0"))
        for _ in range(3):
            assert await client.get("ticks_v1@1.0.0") == pinned
        assert (client.stats.misses, client.stats.hits, client.stats.revalidations) == (1, 3, 0)


async def test_registry_down_serves_stale_with_a_warning_then_recovers() -> None:
    server = TestServer(create_app(secured(store_url="memory://")))
    await server.start_server()
    port = server.port
    await publish(server, minor("1.0.0"))
    async with RegistryClient(url(server), ttl=0, live=False, retries=1) as client:
        assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        await server.close()
        with pytest.warns(StaleDataWarning, match="registry unavailable"):
            assert (await client.get("ticks_v1"))["version"] == "1.0.0"
        assert client.stats.stale_served == 1
        with pytest.raises(RegistryUnavailable):
            await client.get("never_cached")
        # The registry comes back on the same port, with a newer version.
        again = TestServer(create_app(secured(store_url="memory://")), port=port)
        await again.start_server()
        try:
            await publish(again, minor("2.0.0"))
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert (await client.get("ticks_v1"))["version"] == "2.0.0"
        finally:
            await again.close()


async def test_errors_name_what_went_wrong(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        with pytest.raises(SchemaNotFound):
            await client.get("nope_v1")
        with pytest.raises(VersionNotFound):
            await client.get("ticks_v1@9.9.9")
        assert await client.versions("ticks_v1") == ["1.0.0"]
        verdict = await client.check_compat("ticks_v1", minor("1.0.1"), against="1.0.0")
        assert verdict["required_bump"] == "patch"
        report = await client.validate("ticks_v1@1.0.0", [{"symbol": 1}])
        assert report["invalid"] == 1
        validator = await client.validator("ticks_v1@1.0.0")
        with pytest.raises(Exception, match="must contain"):
            validator({})
        assert await client.validator("ticks_v1@1.0.0") is validator


async def test_reads_that_need_a_token() -> None:
    server = TestServer(create_app(secured(store_url="memory://", require_auth_for_reads=True)))
    await server.start_server()
    try:
        async with RegistryClient(url(server), live=False) as anonymous:
            with pytest.raises(Unauthorized) as refused:
                await anonymous.get("ticks_v1")
            assert refused.value.status == 401
        async with RegistryClient(url(server), token=token("reader"), live=False) as reader:
            with pytest.raises(SchemaNotFound):
                await reader.get("ticks_v1")
    finally:
        await server.close()


@pytest.mark.parametrize("ref", ["", "a@", "@1.0.0", "a@1.0", "a b", "../x", "a@01.0.0", "é"])
async def test_malformed_refs_fail_before_any_request(ref: str) -> None:
    async with RegistryClient("http://127.0.0.1:9", live=False, retries=0) as client:
        with pytest.raises(ValueError, match=r"id must|version must"):
            await client.get(ref)


# -- something that is not a registry -----------------------------------------------------------


@pytest.fixture
def impostor_calls() -> dict[str, int]:
    return {}


async def _impostor(calls: dict[str, int]) -> TestServer:
    async def answer(request: web.Request) -> web.StreamResponse:
        name = request.match_info["id"]
        calls[name] = calls.get(name, 0) + 1
        if name == "text":
            return web.Response(text="not json")
        if name == "array":
            return web.json_response([1, 2])
        if name == "huge":
            response = web.StreamResponse()
            await response.prepare(request)
            chunk = b" " * (1024 * 1024)
            for _ in range(17):
                await response.write(chunk)
            return response
        if name == "busy":
            return web.json_response({"error": "store_unavailable", "message": "x"}, status=503)
        return web.json_response({"error": "internal_error", "message": "boom"}, status=500)

    app = web.Application()
    app.router.add_get("/schema/{id}", answer)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_hostile_answers_are_clear_errors(impostor_calls: dict[str, int]) -> None:
    server = await _impostor(impostor_calls)
    try:
        async with RegistryClient(url(server), live=False, retries=2) as client:
            for name, code in (("text", "invalid_response"), ("array", "invalid_response")):
                with pytest.raises(RegistryError) as raised:
                    await client.get(name)
                assert raised.value.code == code
            with pytest.raises(RegistryError, match="body_too_large"):
                await client.get("huge")
            with pytest.raises(RegistryUnavailable, match="boom"):
                await client.get("broken")
            with pytest.raises(RegistryUnavailable):
                await client.get("busy")
        # 503 is retried (bounded), 500 is not.
        assert impostor_calls["busy"] == 3
        assert impostor_calls["broken"] == 1
    finally:
        await server.close()


async def test_close_leaves_no_task_behind(registry: TestServer) -> None:
    client = RegistryClient(url(registry))
    await client.get("ticks_v1")
    async with asyncio.timeout(5):
        await client.wait_live()
    await client.close()
    # The registry's own tasks share this loop; the client's subscription must be gone.
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert "registry-client-live" not in names
