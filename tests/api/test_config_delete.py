"""Config (global and per schema) and soft / permanent deletes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Client, publish, publish_all, revision, tick

pytestmark = pytest.mark.asyncio


async def test_default_config(client: Client) -> None:
    response = await client.get("/config")
    assert response.status == 200
    assert await response.json() == {"mode": "BACKWARD", "policy": "STRICT"}
    per_id = await client.get("/config/anything")
    assert await per_id.json() == {"mode": "BACKWARD", "policy": "STRICT"}


async def test_put_global_then_id_override(client: Client) -> None:
    response = await client.put("/config", json={"mode": "FULL"})
    assert response.status == 200
    assert await response.json() == {"mode": "FULL", "policy": "STRICT"}
    assert await (await client.get("/config/ticks_v1")).json() == {
        "mode": "FULL",
        "policy": "STRICT",
    }
    await client.put("/config/ticks_v1", json={"policy": "LENIENT"})
    assert await (await client.get("/config/ticks_v1")).json() == {
        "mode": "FULL",
        "policy": "LENIENT",
    }
    assert await (await client.get("/config")).json() == {"mode": "FULL", "policy": "STRICT"}


async def test_mode_none_lets_a_break_through_as_minor(client: Client) -> None:
    await publish_all(client, "1.0.0")
    await client.put("/config/ticks_v1", json={"mode": "NONE"})
    response = await publish(client, {**tick("2.0.0"), "version": "1.1.0"})
    assert response.status == 201, await response.text()


@pytest.mark.parametrize(
    "body",
    [{"mode": "SIDEWAYS"}, {"mode": "backward"}, {"colour": "red"}, {}, [], {"policy": 1}],
)
async def test_unknown_config_values_are_400(client: Client, body: Any) -> None:
    before = await revision(client)
    response = await client.put("/config/ticks_v1", json=body)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_config"
    assert await revision(client) == before


async def test_config_errors(client: Client) -> None:
    plain = await client.put("/config", data=b'{"mode":"FULL"}')
    assert plain.status == 415
    bad_id = await client.put("/config/bad%20id", json={"mode": "FULL"})
    assert (await bad_id.json())["error"] == "invalid_schema_id"


async def test_soft_then_permanent_delete(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    permanent_first = await client.delete("/schema/ticks_v1?permanent=true")
    assert permanent_first.status == 409
    assert (await permanent_first.json())["error"] == "not_soft_deleted"
    soft = await client.delete("/schema/ticks_v1")
    assert soft.status == 200
    assert await soft.json() == {"id": "ticks_v1", "deleted": True, "permanent": False}
    assert (await client.get("/schema/ticks_v1")).status == 404
    assert (await (await client.get("/schemas")).json())["schemas"] == []
    again = await client.delete("/schema/ticks_v1")
    assert again.status == 404
    gone = await client.delete("/schema/ticks_v1?permanent=true")
    assert gone.status == 200
    # The id is free again: a fresh history starts with no predecessor.
    response = await publish(client, tick("2.0.0"))
    assert response.status == 201
    assert (await response.json())["previous"] is None


async def test_republish_into_a_soft_deleted_schema_is_409(client: Client) -> None:
    await publish_all(client, "1.0.0")
    await client.delete("/schema/ticks_v1")
    response = await publish(client, tick("1.0.0"))
    assert response.status == 409
    assert (await response.json())["details"]["reason"] == "soft_deleted"


async def test_publish_revives_a_soft_deleted_schema(client: Client) -> None:
    await publish_all(client, "1.0.0")
    await client.delete("/schema/ticks_v1")
    await publish_all(client, "1.1.0")
    versions = await (await client.get("/schema/ticks_v1/versions")).json()
    assert versions["versions"] == ["1.0.0", "1.1.0"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/schema/missing", 404, "schema_not_found"),
        ("/schema/bad%20id", 400, "invalid_schema_id"),
        ("/schema/ticks_v1?permanent=maybe", 400, "invalid_parameter"),
    ],
)
async def test_delete_errors(client: Client, path: str, status: int, code: str) -> None:
    await publish_all(client, "1.0.0")
    response = await client.delete(path)
    assert response.status == status
    assert (await response.json())["error"] == code
