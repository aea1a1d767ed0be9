"""Publishing: the reference evolution, bump and version rules, idempotence, races."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.api.state import STORE
from service.domain.versions import Version
from tests.api.conftest import Client, publish, publish_all, revision, tick

pytestmark = pytest.mark.asyncio


async def test_reference_evolution(client: Client) -> None:
    created: list[dict[str, Any]] = []
    for version in ("1.0.0", "1.1.0", "2.0.0", "1.2.0"):
        response = await publish(client, tick(version))
        assert response.status == 201, await response.text()
        created.append(await response.json())
    first, minor, major, late_minor = created
    assert first["previous"] is None
    assert first["required_bump"] == "none"
    assert len(first["fingerprint"]) == 64
    assert minor["previous"] == "1.0.0"
    assert minor["required_bump"] == "minor"
    assert minor["changes"]
    assert major["previous"] == "1.1.0"
    assert major["required_bump"] == "major"
    assert any(change["breaking"] for change in major["changes"])
    # 1.2.0 comes after 2.0.0 but is compared with its own predecessor, 1.1.0.
    assert late_minor["previous"] == "1.1.0"
    assert set(late_minor) == {
        "id", "version", "fingerprint", "previous", "required_bump", "changes"
    }  # fmt: skip


async def test_claimed_patch_for_minor_change_is_422(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = await revision(client)
    response = await publish(client, {**tick("1.1.0"), "version": "1.0.1"})
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "bump_required"
    assert body["details"]["required_bump"] == "minor"
    assert body["details"]["actual_bump"] == "patch"
    assert body["details"]["changes"]
    assert await revision(client) == before


async def test_breaking_change_as_minor_is_422(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    response = await publish(client, {**tick("2.0.0"), "version": "1.3.0"})
    assert response.status == 422
    assert (await response.json())["details"]["required_bump"] == "major"


async def test_same_version_other_content_is_409(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = await revision(client)
    response = await publish(client, {**tick("1.0.0"), "title": "changed"})
    assert response.status == 409
    assert (await response.json())["error"] == "version_conflict"
    assert await revision(client) == before


async def test_version_below_line_head_is_409(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    response = await publish(client, {**tick("1.0.0"), "version": "1.0.5"})
    assert response.status == 409
    assert (await response.json())["details"]["highest"] == "1.1.0"


async def test_identical_republish_is_200(client: Client) -> None:
    first = await publish(client, tick("1.0.0"))
    assert first.status == 201
    before = await revision(client)
    again = await publish(client, tick("1.0.0"))
    assert again.status == 200
    assert (await again.json())["fingerprint"] == (await first.json())["fingerprint"]
    assert await revision(client) == before


async def test_read_after_write_is_never_stale(client: Client) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0", "2.0.0"):
        response = await publish(client, tick(version))
        assert response.status == 201
        latest = await (await client.get("/schema/ticks_v1")).json()
        assert latest["version"] == version
        versions = await (await client.get("/schema/ticks_v1/versions")).json()
        assert versions["versions"][-1] == version


async def test_concurrent_publishes_one_winner_per_round(client: Client) -> None:
    await publish_all(client, "1.0.0")
    docs = [{**tick("1.0.0"), "version": f"1.0.{n}", "title": f"t{n}"} for n in range(1, 21)]
    responses = await asyncio.gather(*(publish(client, doc) for doc in docs))
    statuses = [response.status for response in responses]
    assert set(statuses) <= {201, 409}, statuses
    won = {doc["version"] for doc, status in zip(docs, statuses, strict=True) if status == 201}
    assert won
    for response in responses:
        if response.status == 409:
            assert (await response.json())["error"] == "version_conflict"
    assert client.app is not None
    record = await client.app[STORE].get("ticks_v1")
    assert record is not None
    stored = [v.version for v in record.versions]
    assert set(stored) == won | {"1.0.0"}
    # Commit order never went backwards: each winner was above the line when it committed.
    by_commit = [v.version for v in sorted(record.versions, key=lambda v: v.revision)]
    assert by_commit == sorted(by_commit, key=Version.parse)
    listed = await (await client.get("/schema/ticks_v1/versions")).json()
    assert listed["versions"] == sorted(stored, key=Version.parse)


async def test_concurrent_identical_publishes_one_201_rest_200(client: Client) -> None:
    responses = await asyncio.gather(*(publish(client, tick("1.0.0")) for _ in range(5)))
    assert sorted(response.status for response in responses) == [200, 200, 200, 200, 201]
    assert await revision(client) == 1


async def test_concurrent_same_version_different_content(client: Client) -> None:
    docs = [{**tick("1.0.0"), "title": f"title {n}"} for n in range(5)]
    responses = await asyncio.gather(*(publish(client, doc) for doc in docs))
    assert sorted(response.status for response in responses) == [201, 409, 409, 409, 409]


async def test_republish_of_an_older_version_is_200(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    response = await publish(client, tick("1.0.0"))
    assert response.status == 200
    assert (await response.json())["version"] == "1.0.0"


async def test_version_missing_from_body_is_400(client: Client) -> None:
    doc = tick("1.0.0")
    del doc["version"]
    response = await publish(client, doc)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_document"
