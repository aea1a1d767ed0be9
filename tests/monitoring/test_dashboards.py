"""The Grafana dashboards are valid JSON with what Grafana needs to import them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DASHBOARDS = Path(__file__).resolve().parents[2] / "monitoring" / "grafana" / "dashboards"
NAMES = ["overview", "performance", "errors", "cache"]


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DASHBOARDS / f"{name}.json").read_text())
    return document


def test_exactly_the_four_dashboards_with_unique_uids() -> None:
    assert sorted(p.stem for p in DASHBOARDS.glob("*.json")) == sorted(NAMES)
    uids = [load(name)["uid"] for name in NAMES]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("name", NAMES)
def test_dashboard_shape(name: str) -> None:
    dashboard = load(name)
    assert dashboard["title"].startswith("Schema Registry")
    assert 0 < len(dashboard["uid"]) <= 40
    assert isinstance(dashboard["schemaVersion"], int)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    # The data source is a variable, so the dashboard imports into any Grafana.
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(set(ids)) == len(ids)
    for panel in dashboard["panels"]:
        assert panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        assert panel["targets"], panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids)
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            assert target["datasource"]["uid"] == "${datasource}"
