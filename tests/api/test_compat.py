"""Compatibility: dry-run checks of candidates and diffs of stored versions."""

from __future__ import annotations

import pytest

from tests.api.conftest import Client, publish_all, revision, tick

pytestmark = pytest.mark.asyncio


async def test_dry_run_against_latest_stores_nothing(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = await revision(client)
    response = await client.post("/schema/ticks_v1/compat", json=tick("2.0.0"))
    assert response.status == 200
    body = await response.json()
    assert body["compatible"] is False
    assert body["against"] == "1.0.0"
    assert body["mode"] == "BACKWARD"
    assert body["policy"] == "STRICT"
    assert body["required_bump"] == "major"
    assert any(change["breaking"] for change in body["changes"])
    assert await revision(client) == before


async def test_dry_run_against_named_version_without_version_in_body(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    candidate = tick("1.1.0")
    del candidate["version"]
    response = await client.post("/schema/ticks_v1/compat?against=1.0.0", json=candidate)
    body = await response.json()
    assert response.status == 200, body
    assert body["against"] == "1.0.0"
    assert body["compatible"] is True
    assert body["required_bump"] == "minor"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/schema/missing/compat", 404, "schema_not_found"),
        ("/schema/ticks_v1/compat?against=3.0.0", 404, "version_not_found"),
        ("/schema/ticks_v1/compat?against=1.0", 400, "invalid_version"),
    ],
)
async def test_dry_run_errors(client: Client, path: str, status: int, code: str) -> None:
    await publish_all(client, "1.0.0")
    response = await client.post(path, json=tick("1.1.0"))
    assert response.status == status
    assert (await response.json())["error"] == code


async def test_dry_run_invalid_candidate_is_400(client: Client) -> None:
    await publish_all(client, "1.0.0")
    response = await client.post("/schema/ticks_v1/compat", json={**tick("1.1.0"), "type": 5})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_schema"


async def test_diff_two_stored_versions(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    response = await client.get("/compat/ticks_v1/1.1.0/2.0.0")
    assert response.status == 200
    body = await response.json()
    assert body["against"] == "1.1.0"
    assert body["compatible"] is False
    assert body["required_bump"] == "major"
    assert set(body) == {"compatible", "against", "mode", "policy", "required_bump", "changes"}


@pytest.mark.parametrize(
    ("path", "status"),
    [("/compat/ticks_v1/1.0.0/9.0.0", 404), ("/compat/missing/1.0.0/1.1.0", 404)],
)
async def test_diff_not_found(client: Client, path: str, status: int) -> None:
    await publish_all(client, "1.0.0")
    response = await client.get(path)
    assert response.status == status
    assert (await response.json())["error"] in ("schema_not_found", "version_not_found")
