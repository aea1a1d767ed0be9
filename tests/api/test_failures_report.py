"""POST /schema/{id}/failures: a cleaner's counts become one `validation.failure.reported` event."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.api.conftest import Client, publish_all, revision
from tests.api.test_ws import frame, subscribe
from tests.auth import bearer

pytestmark = pytest.mark.asyncio

REPORT: dict[str, Any] = {
    "version": "1.1.0",
    "rows": 1000,
    "rejected": 3,
    "reasons": {"type:price": 2, "enum:side": 1},
    "source": "ticks.csv",
}


async def test_a_report_reaches_websocket_subscribers(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    async with client.ws_connect("/ws") as ws:
        await subscribe(ws, ["ticks_v1"])
        response = await client.post("/schema/ticks_v1/failures", json=REPORT)
        assert response.status == 202, await response.text()
        answer = await response.json()
        event = await frame(ws)
    assert answer == {"revision": await revision(client)}
    assert event["type"] == "validation.failure.reported"
    assert (event["subject"], event["revision"]) == ("ticks_v1", answer["revision"])
    assert event["data"] == {"id": "ticks_v1", **REPORT, "reporter": "tester"}


async def test_a_reader_may_report_and_version_and_source_are_optional(client: Client) -> None:
    await publish_all(client, "1.0.0")
    body = {"rows": 5, "rejected": 0, "reasons": {}}
    response = await client.post("/schema/ticks_v1/failures", json=body, headers=bearer("reader"))
    assert response.status == 202, await response.text()


async def test_unknown_schema_is_404_and_appends_nothing(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = await revision(client)
    missing_id = await client.post("/schema/orders_v1/failures", json=REPORT)
    assert missing_id.status == 404
    assert (await missing_id.json())["error"] == "schema_not_found"
    bad_id = await client.post("/schema/-bad/failures", json=REPORT)
    assert bad_id.status == 400
    assert await revision(client) == before


async def test_a_version_is_checked_for_form_only(client: Client) -> None:
    # Only 1.0.0 is published; a report naming 1.1.0 (published elsewhere, say) is kept.
    await publish_all(client, "1.0.0")
    response = await client.post("/schema/ticks_v1/failures", json=REPORT)
    assert response.status == 202, await response.text()


async def test_get_on_the_report_resource_is_405(client: Client) -> None:
    await publish_all(client, "1.0.0")
    response = await client.get("/schema/ticks_v1/failures")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


BAD_BODIES: list[tuple[str, Any]] = [
    ("array", [REPORT]),
    ("string", "report"),
    ("unknown field", {**REPORT, "extra": 1}),
    ("missing rows", {k: v for k, v in REPORT.items() if k != "rows"}),
    ("missing reasons", {k: v for k, v in REPORT.items() if k != "reasons"}),
    ("negative rows", {**REPORT, "rows": -1}),
    ("float count", {**REPORT, "rejected": 3.0}),
    ("bool count", {**REPORT, "rows": True}),
    ("string count", {**REPORT, "rows": "1000"}),
    ("huge count", {**REPORT, "rows": 2**63}),
    ("rejected above rows", {**REPORT, "rows": 2}),
    ("reasons not an object", {**REPORT, "reasons": ["type:price"]}),
    ("negative reason count", {**REPORT, "reasons": {"type:price": -2}}),
    ("empty reason", {**REPORT, "reasons": {"": 3}}),
    ("long reason", {**REPORT, "reasons": {"r" * 201: 3}}),
    ("too many reasons", {**REPORT, "reasons": {f"r{i}": 0 for i in range(101)}}),
    ("bad version", {**REPORT, "version": "v1"}),
    ("version not a string", {**REPORT, "version": 1}),
    ("long source", {**REPORT, "source": "s" * 501}),
    ("source not a string", {**REPORT, "source": ["a"]}),
]


@pytest.mark.parametrize(("case", "body"), BAD_BODIES, ids=[case for case, _ in BAD_BODIES])
async def test_bad_bodies_are_400_and_append_nothing(client: Client, case: str, body: Any) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    before = await revision(client)
    response = await client.post("/schema/ticks_v1/failures", json=body)
    assert response.status == 400, (case, await response.text())
    assert (await response.json())["error"] in ("invalid_request", "invalid_version")
    assert await revision(client) == before


async def test_limits_are_inclusive(client: Client) -> None:
    await publish_all(client, "1.0.0")
    body = {
        "version": None,
        "rows": 2**63 - 1,
        "rejected": 0,
        "reasons": {f"{i:0>200}": 0 for i in range(100)},
        "source": "s" * 500,
    }
    response = await client.post("/schema/ticks_v1/failures", json=body)
    assert response.status == 202, await response.text()


async def test_non_json_and_oversized_bodies(client: Client) -> None:
    await publish_all(client, "1.0.0")
    before = await revision(client)
    text = await client.post("/schema/ticks_v1/failures", data="rows=1")
    assert text.status == 415
    huge = await client.post(
        "/schema/ticks_v1/failures",
        data=io.BytesIO(b'{"source": "' + b"x" * (2 * 1024 * 1024) + b'"}'),
        headers={"Content-Type": "application/json"},
    )
    assert huge.status == 413
    assert await revision(client) == before
