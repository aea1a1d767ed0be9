"""API fixtures: a test client on a fresh app over each store backend, and the tick documents."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from service.api.state import STORE
from service.app import create_app
from service.settings import Settings
from tests.auth import bearer, secured

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

Client = TestClient[web.Request, web.Application]


def tick(version: str) -> dict[str, Any]:
    """A fresh copy of `schemas/ticks_v1/<version>.json`."""
    return copy.deepcopy(_TICKS[version])


_TICKS = {
    path.stem: orjson.loads(path.read_bytes()) for path in (SCHEMAS / "ticks_v1").glob("*.json")
}


def store_url(backend: str, directory: Path) -> str:
    return "memory://" if backend == "memory" else f"sqlite:///{directory / 'registry.db'}"


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Settings:
    return secured(store_url=store_url(backend, tmp_path))


@pytest_asyncio.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings) -> AsyncIterator[Client]:
    # An admin by default: these suites test the registry; tests/api/test_security.py tests who
    # may do what.
    yield await aiohttp_client(create_app(settings), headers=bearer("admin"))


async def publish(
    client: Client, doc: dict[str, Any], schema_id: str = "ticks_v1"
) -> ClientResponse:
    """POSTs `doc` and returns the response (body not yet read)."""
    return await client.post(f"/schema/{schema_id}", json=doc)


async def publish_all(client: Client, *versions: str) -> None:
    """Publishes tick versions in order, each expected to be created."""
    for version in versions:
        response = await publish(client, tick(version))
        assert response.status == 201, await response.text()


async def revision(client: Client) -> int:
    """The store's revision, to prove a refused request changed nothing."""
    assert client.app is not None
    return await client.app[STORE].revision()
