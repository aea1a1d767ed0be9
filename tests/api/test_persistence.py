"""SQLite persistence: what one app published, a new app on the same file serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from tests.api.conftest import SCHEMAS, publish_all, tick
from tests.auth import bearer, secured

pytestmark = pytest.mark.asyncio


async def test_restart_keeps_everything(tmp_path: Path) -> None:
    settings = secured(store_url=f"sqlite:///{tmp_path / 'registry.db'}")
    async with TestClient(TestServer(create_app(settings)), headers=bearer()) as first:
        await publish_all(first, "1.0.0", "1.1.0", "2.0.0", "1.2.0")
        await first.put("/config/ticks_v1", json={"mode": "FULL"})
        etag = (await first.get("/schema/ticks_v1/1.1.0")).headers["ETag"]
    async with TestClient(TestServer(create_app(settings)), headers=bearer()) as second:
        versions = await (await second.get("/schema/ticks_v1/versions")).json()
        assert versions["versions"] == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
        latest = await (await second.get("/schema/ticks_v1")).json()
        assert latest["version"] == "2.0.0"
        assert latest["properties"] == tick("2.0.0")["properties"]
        again = await second.get("/schema/ticks_v1/1.1.0", headers={"If-None-Match": etag})
        assert again.status == 304
        assert await (await second.get("/config/ticks_v1")).json() == {
            "mode": "FULL",
            "policy": "STRICT",
        }
        # Publishing continues from the stored history.
        response = await second.post(
            "/schema/ticks_v1", json={**tick("2.0.0"), "version": "2.0.1", "title": "t"}
        )
        assert response.status == 201
        assert (await response.json())["previous"] == "2.0.0"


async def test_seed_only_into_an_empty_store(tmp_path: Path) -> None:
    settings = secured(store_url=f"sqlite:///{tmp_path / 'registry.db'}", seed_dir=SCHEMAS)
    async with TestClient(TestServer(create_app(settings)), headers=bearer()) as first:
        versions = await (await first.get("/schema/ticks_v1/versions")).json()
        assert versions["versions"] == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
        revision = (await (await first.get("/health")).json())["index"]["revision"]
    async with TestClient(TestServer(create_app(settings)), headers=bearer()) as second:
        health = await (await second.get("/health")).json()
        assert health["index"]["revision"] == revision
