"""Every metric the dashboards and alert rules query is one a running registry exposes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient
from ruamel.yaml import YAML

from service.app import create_app
from tests.api.conftest import publish_all, tick
from tests.auth import bearer, secured
from tests.monitoring.promql import BUILTIN, metric_names

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))
ALERTS = MONITORING / "prometheus" / "alerts.yml"


def dashboard_exprs() -> dict[str, str]:
    """`<dashboard>/<panel>/<refId>` → expr, for every target of every dashboard."""
    exprs: dict[str, str] = {}
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                exprs[f"{path.stem}/{panel['title']}/{target['refId']}"] = target["expr"]
    return exprs


def alert_exprs() -> dict[str, str]:
    rules: dict[str, Any] = YAML(typ="safe").load(ALERTS.read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def test_the_parser_finds_names_not_functions_or_labels() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job=~"$job",status=~"5.."}'
        "[$__rate_interval]))) / on (job) group_left sum(b_total offset 5m) > 1e3"
    )
    assert metric_names(expr) == {"a_bucket", "b_total"}


@pytest.mark.asyncio
async def test_every_queried_metric_is_exposed(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(secured(store_url="memory://")), headers=bearer())
    await publish_all(client, "1.0.0", "1.1.0")
    await client.get("/schema/ticks_v1")
    await client.get("/schema/nope")
    await client.post("/schema/ticks_v1/compat", json=tick("1.2.0"))
    async with client.ws_connect("/ws") as ws:
        await ws.send_json({"op": "subscribe", "ids": ["*"]})
        await ws.receive_json(timeout=5)
        await publish_all(client, "1.2.0")
        await ws.receive_json(timeout=5)
        text = await (await client.get("/metrics")).text()
    exposed = {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }
    # Families with no samples yet (a labelled counter before its first increment) count too.
    families = {family.name for family in text_string_to_metric_families(text)}
    exposed |= {f"{name}_total" for name in families} | families | BUILTIN

    queried = {**dashboard_exprs(), **alert_exprs()}
    assert len(queried) > 20
    missing = {
        where: sorted(metric_names(expr) - exposed)
        for where, expr in queried.items()
        if metric_names(expr) - exposed
    }
    assert not missing, f"queried but not exposed by /metrics: {missing}"
    # Every query names at least one metric (a typo that parses as a keyword would not).
    assert all(metric_names(expr) for expr in queried.values())
