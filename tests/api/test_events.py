"""Every committed change yields exactly one CloudEvents envelope, in revision order."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

import pytest

from service.api.state import STORE
from service.events import envelopes

from .conftest import Client, publish, publish_all, revision, tick

pytestmark = pytest.mark.asyncio


async def collect(client: Client, since: int, count: int) -> list[dict[str, Any]]:
    assert client.app is not None
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(10), aclosing(envelopes(client.app[STORE], since)) as stream:
        async for item in stream:
            found.append(item)
            if len(found) == count:
                break
    return found


async def test_publish_config_and_delete_each_emit_one_event(client: Client) -> None:
    start = await revision(client)
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    assert (await client.put("/config/ticks_v1", json={"mode": "FULL"})).status == 200
    assert (await client.delete("/schema/ticks_v1")).status == 200
    # A refused publish commits nothing and so emits nothing.
    assert (await publish(client, tick("1.0.0"))).status in (200, 409)
    assert await revision(client) == start + 5

    events = await collect(client, start, 5)
    assert [e["type"] for e in events] == [
        "schema.version.created",
        "schema.version.created",
        "schema.version.created",
        "schema.config.updated",
        "schema.deleted",
    ]
    assert [e["revision"] for e in events] == list(range(start + 1, start + 6))
    for event in events:
        assert event["specversion"] == "1.0"
        assert event["source"] == "schema-registry"
        assert event["subject"] == "ticks_v1"
        assert event["id"] == f"schema-registry-{event['revision']}"
        assert event["time"].endswith("Z") or event["time"].endswith("+00:00")

    minor, major = events[1]["data"], events[2]["data"]
    assert minor["id"] == "ticks_v1"
    assert (minor["version"], minor["previous"]) == ("1.1.0", "1.0.0")
    assert (minor["required_bump"], minor["breaking"]) == ("minor", False)
    assert (major["version"], major["required_bump"], major["breaking"]) == ("2.0.0", "major", True)
    messages = [change["message"] for change in major["changes"]]
    assert "Field 'price' renamed to 'last_price'" in messages
    assert events[3]["data"]["config"]["mode"] == "FULL"


async def test_watch_from_a_revision_skips_what_came_before(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    middle = await revision(client)
    await publish_all(client, "2.0.0")
    events = await collect(client, middle, 1)
    assert events[0]["data"]["version"] == "2.0.0"
    assert events[0]["revision"] == middle + 1
