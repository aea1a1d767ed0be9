"""Reads: listing, latest, one version, version lists, ETag/304 and not-found errors."""

from __future__ import annotations

import pytest

from tests.api.conftest import Client, publish_all, tick

pytestmark = pytest.mark.asyncio


async def test_latest_is_highest_semver_with_etag(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0", "1.2.0")
    response = await client.get("/schema/ticks_v1")
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["version"] == "2.0.0"
    assert response.headers["ETag"].startswith('"')
    latest = await client.get("/schema/ticks_v1/latest")
    assert (await latest.json())["version"] == "2.0.0"
    assert latest.headers["ETag"] == response.headers["ETag"]


async def test_one_version_is_the_published_document(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    response = await client.get("/schema/ticks_v1/1.0.0")
    assert response.status == 200
    body = await response.json()
    expected = tick("1.0.0")
    assert body["properties"] == expected["properties"]
    assert body["arrow"] == expected["arrow"]


async def test_if_none_match_gives_304(client: Client) -> None:
    await publish_all(client, "1.0.0")
    first = await client.get("/schema/ticks_v1/1.0.0")
    etag = first.headers["ETag"]
    again = await client.get("/schema/ticks_v1/1.0.0", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag
    assert await again.read() == b""
    weak = await client.get("/schema/ticks_v1", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status == 304
    other = await client.get("/schema/ticks_v1", headers={"If-None-Match": '"other"'})
    assert other.status == 200


async def test_etag_changes_with_latest(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = (await client.get("/schema/ticks_v1")).headers["ETag"]
    await publish_all(client, "1.1.0")
    response = await client.get("/schema/ticks_v1", headers={"If-None-Match": before})
    assert response.status == 200
    assert response.headers["ETag"] != before


async def test_versions_sorted_by_semver(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0", "1.2.0")
    response = await client.get("/schema/ticks_v1/versions")
    assert response.status == 200
    assert await response.json() == {
        "id": "ticks_v1",
        "versions": ["1.0.0", "1.1.0", "1.2.0", "2.0.0"],
    }


async def test_list_schemas_with_prefix_limit_cursor(client: Client) -> None:
    for schema_id in ("a1", "a2", "a3", "b1"):
        doc = {**tick("1.0.0"), "id": schema_id}
        response = await client.post(f"/schema/{schema_id}", json=doc)
        assert response.status == 201
    page = await (await client.get("/schemas", params={"prefix": "a", "limit": "2"})).json()
    assert [s["id"] for s in page["schemas"]] == ["a1", "a2"]
    assert page["next_cursor"] == "a2"
    entry = page["schemas"][0]
    assert entry["latest_version"] == "1.0.0"
    assert entry["versions"] == 1
    assert entry["updated_at"].endswith("Z")
    rest = await client.get("/schemas", params={"prefix": "a", "cursor": "a2", "limit": "2"})
    ids = [s["id"] for s in (await rest.json())["schemas"]]
    assert ids == ["a3"]
    everything = await (await client.get("/schemas")).json()
    assert [s["id"] for s in everything["schemas"]] == ["a1", "a2", "a3", "b1"]


@pytest.mark.parametrize("limit", ["0", "-1", "x", "1001", "9" * 5000])
async def test_list_rejects_bad_limit(client: Client, limit: str) -> None:
    response = await client.get("/schemas", params={"limit": limit})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_parameter"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/schema/missing", 404, "schema_not_found"),
        ("/schema/missing/versions", 404, "schema_not_found"),
        ("/schema/missing/1.0.0", 404, "schema_not_found"),
        ("/schema/ticks_v1/9.9.9", 404, "version_not_found"),
        ("/schema/ticks_v1/1.0", 400, "invalid_version"),
        ("/schema/ticks_v1/01.0.0", 400, "invalid_version"),
        ("/schema/ticks_v1/1.0.0-rc1", 400, "invalid_version"),
        ("/schema/bad%20id", 400, "invalid_schema_id"),
        ("/no/such/route", 404, "not_found"),
    ],
)
async def test_read_errors_are_json(client: Client, path: str, status: int, code: str) -> None:
    await publish_all(client, "1.0.0")
    response = await client.get(path)
    assert response.status == status
    body = await response.json()
    assert body["error"] == code
    assert isinstance(body["message"], str)
    assert isinstance(body["details"], dict)


async def test_wrong_method_is_json_405(client: Client) -> None:
    response = await client.patch("/schemas")
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


async def test_head_answers_like_get_without_a_body(client: Client) -> None:
    await publish_all(client, "1.0.0")
    got = await client.get("/schema/ticks_v1")
    response = await client.head("/schema/ticks_v1")
    assert response.status == 200
    assert response.headers["ETag"] == got.headers["ETag"]
    assert response.headers["Content-Type"] == "application/json"
    assert await response.read() == b""
    missing = await client.head("/schema/nope")
    assert missing.status == 404


async def test_wrong_method_on_a_templated_path_lists_every_allowed_method(client: Client) -> None:
    response = await client.put("/schema/ticks_v1")
    assert response.status == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, POST"
    assert (await response.json())["error"] == "method_not_allowed"
