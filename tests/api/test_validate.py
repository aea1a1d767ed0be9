"""Record validation against stored versions: single records, batches, limits."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from tests.api.conftest import Client, publish_all

pytestmark = pytest.mark.asyncio

GOOD = {"ts": "2026-01-02T03:04:05Z", "symbol": "ES", "price": 1.5, "size": 3, "side": "B"}
GOOD_V2 = {"ts": "2026-01-02T03:04:05Z", "symbol": "ES", "last_price": 1.5, "size": 3}


async def _validate(client: Client, payload: Any, query: str = "") -> Any:
    response = await client.post(f"/schema/ticks_v1/validate{query}", json=payload)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_single_record_against_latest(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    assert await _validate(client, GOOD_V2) == {"valid": 1, "invalid": 0, "errors": []}
    result = await _validate(client, GOOD)
    assert result["invalid"] == 1


async def test_batch_with_version_reports_index_and_path(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0", "2.0.0")
    records = [GOOD, {**GOOD, "side": "X"}, {**GOOD, "size": "3"}, GOOD]
    result = await _validate(client, records, "?version=1.0.0")
    assert result["valid"] == 2
    assert result["invalid"] == 2
    assert [(e["index"], e["path"]) for e in result["errors"]] == [(1, "/side"), (2, "/size")]
    assert all(isinstance(e["message"], str) for e in result["errors"])


async def test_100k_records_under_16_mib(client: Client) -> None:
    await publish_all(client, "1.0.0")
    records = [GOOD] * 99_000 + [{**GOOD, "price": "bad"}] * 1_000
    body = orjson.dumps(records)
    assert 1024 * 1024 < len(body) < 16 * 1024 * 1024
    response = await client.post(
        "/schema/ticks_v1/validate",
        data=io.BytesIO(body),
        headers={"Content-Type": "application/json"},
    )
    result = await response.json()
    assert response.status == 200
    assert (result["valid"], result["invalid"]) == (99_000, 1_000)
    # The error list is capped at 100; the counts cover every record.
    assert len(result["errors"]) == 100
    assert result["errors"][0]["index"] == 99_000


async def test_body_over_16_mib_is_413(client: Client) -> None:
    await publish_all(client, "1.0.0")
    body = orjson.dumps([GOOD] * 260_000)
    assert len(body) > 16 * 1024 * 1024
    response = await client.post(
        "/schema/ticks_v1/validate",
        data=io.BytesIO(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await response.json())["error"] == "payload_too_large"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/schema/missing/validate", b"{}", 404, "schema_not_found"),
        ("/schema/ticks_v1/validate?version=7.0.0", b"{}", 404, "version_not_found"),
        ("/schema/ticks_v1/validate?version=v1", b"{}", 400, "invalid_version"),
        ("/schema/ticks_v1/validate", b"[", 400, "invalid_document"),
        ("/schema/ticks_v1/validate", b"[" * 100 + b"]" * 100, 400, "invalid_document"),
    ],
)
async def test_validate_errors(
    client: Client, path: str, body: bytes, status: int, code: str
) -> None:
    await publish_all(client, "1.0.0")
    response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status == status
    assert (await response.json())["error"] == code
