"""When things go wrong: the registry down or failing (stale-if-error), bounded retries, errors
named for what happened, and answers from something that is not a registry."""

from __future__ import annotations

import asyncio
import time
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
from registry_client.transport import MAX_BODY
from tests.api.conftest import tick
from tests.auth import secured, token
from tests.client.conftest import free_port, minor, publish, start_registry, url

pytestmark = pytest.mark.asyncio


async def test_registry_down_serves_stale_with_a_warning_then_recovers() -> None:
    server = await start_registry()
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
        # The registry comes back on the same port (the URL a client holds does not change),
        # with a newer version; no warning any more.
        again = await start_registry(port=port)
        try:
            await publish(again, minor("2.0.0"))
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert (await client.get("ticks_v1"))["version"] == "2.0.0"
        finally:
            await again.close()


async def test_errors_name_what_went_wrong(registry: TestServer) -> None:
    async with RegistryClient(url(registry), live=False) as client:
        with pytest.raises(SchemaNotFound) as schema:
            await client.get("nope_v1")
        assert (schema.value.status, schema.value.code) == (404, "schema_not_found")
        with pytest.raises(VersionNotFound):
            await client.get("ticks_v1@9.9.9")
        with pytest.raises(SchemaNotFound):
            await client.versions("nope_v1")
        with pytest.raises(VersionNotFound):
            await client.validate("ticks_v1@9.9.9", {})
        with pytest.raises(ValueError, match="version must"):
            await client.check_compat("ticks_v1", tick("1.0.0"), against="1.0")


async def test_reads_that_need_a_token() -> None:
    server = await start_registry(secured(store_url="memory://", require_auth_for_reads=True))
    try:
        async with RegistryClient(url(server), live=False) as anonymous:
            with pytest.raises(Unauthorized) as refused:
                await anonymous.get("ticks_v1")
            assert refused.value.status == 401
        forged = token("reader") + "x"
        async with RegistryClient(url(server), token=forged, live=False) as forger:
            with pytest.raises(Unauthorized):
                await forger.versions("ticks_v1")
        async with RegistryClient(url(server), token=token("reader"), live=False) as reader:
            with pytest.raises(SchemaNotFound):
                await reader.get("ticks_v1")
    finally:
        await server.close()


async def test_connection_errors_are_retried_a_bounded_number_of_times() -> None:
    started = time.monotonic()
    async with RegistryClient(f"http://127.0.0.1:{free_port()}", live=False) as client:
        with pytest.raises(RegistryUnavailable, match="unreachable"):
            await client.get("ticks_v1")
    # Three retries: 0.1 + 0.2 + 0.4 s of backoff, refusals being immediate on loopback.
    assert 0.7 <= time.monotonic() - started < 1.5


# -- something that is not a registry -----------------------------------------------------------

CALLS = web.AppKey("calls", dict[str, int])


async def _impostor() -> TestServer:
    async def answer(request: web.Request) -> web.StreamResponse:
        name = request.match_info["id"]
        calls = request.app[CALLS]
        calls[name] = calls.get(name, 0) + 1
        if name == "text":
            return web.Response(text="not json")
        if name == "array":
            return web.json_response([1, 2])
        if name == "html_error":
            return web.Response(text="<html>Bad Gateway</html>" * 100, status=502)
        if name == "huge":
            response = web.StreamResponse()
            await response.prepare(request)
            chunk = b" " * (1024 * 1024)
            for _ in range(MAX_BODY // len(chunk) + 1):
                await response.write(chunk)
            return response
        if name == "busy":
            return web.json_response({"error": "store_unavailable", "message": "x"}, status=503)
        if name == "slow":
            await asyncio.sleep(5)
        if name == "flaky" and calls[name] > 1:
            return web.json_response({"error": "internal_error", "message": "boom"}, status=500)
        if name in ("flaky", "slow"):
            return web.json_response(tick("1.0.0"), headers={"ETag": '"v1"'})
        return web.json_response({"error": "internal_error", "message": "boom"}, status=500)

    app = web.Application()
    app[CALLS] = {}
    app.router.add_get("/schema/{id}", answer)
    app.router.add_get("/schema/{id}/versions", answer)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_hostile_answers_are_clear_errors() -> None:
    server = await _impostor()
    calls = server.app[CALLS]
    try:
        async with RegistryClient(url(server), live=False, retries=2) as client:
            for name in ("text", "array"):
                with pytest.raises(RegistryError) as raised:
                    await client.get(name)
                assert raised.value.code == "invalid_response"
            with pytest.raises(RegistryError, match=r"no list of versions|not a JSON object"):
                await client.versions("array")
            with pytest.raises(RegistryError, match="body_too_large"):
                await client.get("huge")
            with pytest.raises(RegistryUnavailable, match="Bad Gateway") as gateway:
                await client.get("html_error")
            assert len(gateway.value.message) <= 200
            with pytest.raises(RegistryUnavailable, match="boom"):
                await client.get("broken")
            started = time.monotonic()
            with pytest.raises(RegistryUnavailable):
                await client.get("busy")
            assert time.monotonic() - started < 0.6  # 0.1 + 0.2 s of backoff
        # 503 is retried (bounded), 500 and 502 are not.
        assert (calls["busy"], calls["broken"], calls["html_error"]) == (3, 1, 1)
    finally:
        await server.close()


async def test_a_failing_registry_serves_stale_data() -> None:
    server = await _impostor()
    try:
        async with RegistryClient(url(server), ttl=0, live=False) as client:
            assert (await client.get("flaky"))["version"] == "1.0.0"
            with pytest.warns(StaleDataWarning, match="boom"):
                assert (await client.get("flaky"))["version"] == "1.0.0"
            assert client.stats.stale_served == 1
        assert server.app[CALLS]["flaky"] == 2
    finally:
        await server.close()


async def test_close_cancels_a_read_in_flight() -> None:
    server = await _impostor()
    try:
        client = RegistryClient(url(server), live=False)
        read = asyncio.create_task(client.get("slow"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await client.close()
        with pytest.raises(asyncio.CancelledError):
            await read
        assert time.monotonic() - started < 0.5
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("registry-client")]
    finally:
        await server.close()
