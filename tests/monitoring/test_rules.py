"""The alert rules pass `promtool check rules` (Debian package `prometheus`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

ALERTS = Path(__file__).resolve().parents[2] / "monitoring" / "prometheus" / "alerts.yml"
EXPECTED = {
    "SchemaRegistryDown",
    "SchemaRegistryAllReplicasDown",
    "SchemaRegistryStoreDegraded",
    "SchemaRegistryHighErrorRate",
    "SchemaRegistryHighLatency",
    "SchemaRegistryWatchLag",
    "SchemaRegistryDroppedSubscribers",
    "SchemaRegistryNotificationsFailing",
}


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, (
        "promtool is not on PATH: install Debian's `prometheus` package "
        "(make monitoring-tools, or sudo apt-get install --no-install-recommends prometheus)"
    )
    result = subprocess.run(
        [promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(EXPECTED)} rules found" in result.stdout


def test_every_alert_has_severity_and_summary() -> None:
    rules = YAML(typ="safe").load(ALERTS.read_text())["groups"][0]["rules"]
    assert {rule["alert"] for rule in rules} == EXPECTED
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
