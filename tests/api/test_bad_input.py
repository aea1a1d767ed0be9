"""Hostile and malformed publishes: each a clear JSON error, and nothing stored."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from tests.api.conftest import Client, publish_all, revision, tick

pytestmark = pytest.mark.asyncio

JSON = {"Content-Type": "application/json"}


async def _refused(client: Client, path: str, body: bytes, headers: dict[str, str]) -> Any:
    before = await revision(client)
    # BytesIO: aiohttp warns (an error here) about sending megabytes of raw bytes.
    response = await client.post(path, data=io.BytesIO(body), headers=headers)
    payload = await response.json()
    assert set(payload) == {"error", "message", "details"}
    assert await revision(client) == before
    return response.status, payload["error"]


def _doc(**changes: Any) -> bytes:
    return orjson.dumps({**tick("1.0.0"), **changes})


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b'{"id": "ticks_v1",', JSON, 400, "invalid_document"),
        (b"[1, 2]", JSON, 400, "invalid_document"),
        (_doc(), {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (_doc(), {}, 415, "unsupported_media_type"),
        (b"[" * 10_000 + b"]" * 10_000, JSON, 400, "invalid_document"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, JSON, 400, "invalid_document"),
        (_doc(id="other"), JSON, 400, "invalid_document"),
        (_doc(version="1.0"), JSON, 400, "invalid_version"),
        (_doc(version="01.0.0"), JSON, 400, "invalid_version"),
        (_doc(version="1.0.0-rc1"), JSON, 400, "invalid_version"),
        (_doc(type="no-such-type"), JSON, 400, "invalid_schema"),
        (
            _doc(properties={"x": {"$ref": "https://example.com/s.json"}}),
            JSON,
            400,
            "invalid_schema",
        ),
        (
            _doc(arrow={"fields": [{"name": "nope", "type": {"name": "utf8"}}]}),
            JSON,
            400,
            "invalid_schema",
        ),
    ],
    ids=[
        "malformed-json",
        "not-an-object",
        "text-plain",
        "no-content-type",
        "arrays-10000-deep",
        "objects-10000-deep",
        "id-differs-from-path",
        "version-1.0",
        "version-leading-zero",
        "version-prerelease",
        "invalid-draft-07",
        "remote-ref",
        "arrow-inconsistent",
    ],
)
async def test_bad_publish(
    client: Client, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    assert await _refused(client, "/schema/ticks_v1", body, headers) == (status, code)


async def test_body_over_1_mib_is_413(client: Client) -> None:
    doc = _doc(description="x" * (1024 * 1024))
    assert await _refused(client, "/schema/ticks_v1", doc, JSON) == (413, "payload_too_large")


async def test_chunked_body_over_1_mib_is_413(client: Client) -> None:
    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * 65536
        yield _doc()

    before = await revision(client)
    response = await client.post("/schema/ticks_v1", data=chunks(), headers=JSON)
    assert response.status == 413
    assert (await response.json())["error"] == "payload_too_large"
    assert await revision(client) == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/schema/a%2Fb", 400),
        ("/schema/..", 404),
        ("/schema/%2E%2E", 404),
        ("/schema/a%20b", 400),
        ("/schema/ticks_v%D0%B0", 400),  # Cyrillic U+0430 for Latin 'a'
        ("/schema/" + "a" * 200, 400),
        ("/schema/-leading-dash", 400),
    ],
    ids=["slash", "dotdot", "encoded-dotdot", "space", "lookalike", "200-chars", "leading-dash"],
)
async def test_bad_ids_are_refused(client: Client, path: str, status: int) -> None:
    result = await _refused(client, path, orjson.dumps(tick("1.0.0")), JSON)
    assert result[0] == status
    # "/schema/.." normalises to a path no route matches: a JSON 404, never a publish.
    assert result[1] in ("invalid_schema_id", "not_found")


async def test_nothing_listed_after_refusals(client: Client) -> None:
    await client.post("/schema/a%2Fb", data=_doc(), headers=JSON)
    await client.post("/schema/ticks_v1", data=_doc(version="1.0"), headers=JSON)
    listing = await (await client.get("/schemas")).json()
    assert listing["schemas"] == []
    await publish_all(client, "1.0.0")
    assert len((await (await client.get("/schemas")).json())["schemas"]) == 1
