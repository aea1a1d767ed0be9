"""Health probes and Prometheus metrics."""

from __future__ import annotations

import pytest

from service.api.state import INDEX
from tests.api.conftest import Client, publish_all

pytestmark = pytest.mark.asyncio


async def test_health_endpoints(client: Client) -> None:
    await publish_all(client, "1.0.0")
    health = await client.get("/health")
    assert health.status == 200
    body = await health.json()
    assert body["status"] == "ok"
    assert body["store"] == "up"
    assert body["index"] == {
        "ready": True,
        "revision": 1,
        "lag": 0,
        "watch_resumes": 0,
        "watch_reloads": 0,
    }
    assert (await client.get("/health/live")).status == 200
    assert (await client.get("/health/ready")).status == 200


async def test_ready_is_503_until_the_index_is_ready(client: Client) -> None:
    assert client.app is not None
    index = client.app[INDEX]
    index.ready = False
    response = await client.get("/health/ready")
    assert response.status == 503
    assert (await response.json())["status"] == "not_ready"
    assert (await (await client.get("/health")).json())["status"] == "degraded"
    index.ready = True
    assert (await client.get("/health/ready")).status == 200


async def test_metrics_use_route_templates(client: Client) -> None:
    await publish_all(client, "1.0.0", "1.1.0")
    await client.get("/schema/ticks_v1")
    await client.get("/schema/ticks_v1/1.0.0")
    await client.get("/schema/unknown-id")
    await client.get("/some/random/path/42")
    await client.patch("/schemas")
    await client.get("/compat/ticks_v1/1.0.0/1.1.0")
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert 'route="/schema/{id}",status="200"' in text
    assert 'route="/schema/{id}/{version}",status="200"' in text
    assert 'route="unmatched",status="404"' in text
    assert 'method="PATCH",route="unmatched",status="405"' in text
    assert "/some/random/path" not in text
    assert "unknown-id" not in text
    assert 'schema_registry_schema_fetches_total{schema_id="ticks_v1",version="1.1.0"} 1.0' in text
    assert "schema_registry_schemas_created_total 2.0" in text
    assert 'schema_registry_compat_checks_total{result="compatible"} 1.0' in text
    assert 'schema_registry_index_lookups_total{outcome="hit"} 2.0' in text
    assert 'schema_registry_index_lookups_total{outcome="miss"} 1.0' in text
    # Store state and index position are probed at scrape time.
    assert "schema_registry_store_up 1.0" in text
    assert "schema_registry_index_revision 2.0" in text
    assert 'schema_registry_watch_recoveries_total{reason="resumed"} 0.0' in text
    assert "schema_registry_watch_lag_revisions 0.0" in text
