"""`kubernetes-validate --strict` over every rendered manifest, offline (it bundles the schemas).

1.30 is the oldest Kubernetes the manifests target (matchLabelKeys, CronJob timeZone), 1.37 the
newest the tool ships. The CLI only warns, exit 0, about a kind it has no schema for, so each
resource must produce its own "passed" line. The ServiceMonitor is a Prometheus Operator custom
resource, outside the Kubernetes API those schemas describe: test_servicemonitor checks it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.k8s.manifests import (
    CUSTOM_KINDS,
    VARIANTS,
    find,
    find_all,
    rendered,
    secret_templates,
)
from tests.k8s.render import Resource, dump

KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")


def _validate(resources: list[Resource], path: Path, version: str) -> None:
    path.write_text(dump(resources))
    result = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", version, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in lines if not line.startswith("INFO")], result.stdout
    passed = {line.split(" for resource ")[1].split()[0] for line in lines if " passed " in line}
    expected = {f"{r['kind'].lower()}/{r['metadata']['name']}" for r in resources}
    assert passed == expected


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_manifests_validate_strictly(variant: str, version: str, tmp_path: Path) -> None:
    resources = [r for r in rendered(variant) if r["kind"] not in CUSTOM_KINDS]
    _validate(resources, tmp_path / f"{variant}.yaml", version)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_secret_templates_validate_strictly(version: str, tmp_path: Path) -> None:
    _validate(secret_templates(), tmp_path / "secrets.yaml", version)


def test_only_known_custom_kinds() -> None:
    kinds = {r["kind"] for variant in VARIANTS for r in rendered(variant)}
    assert kinds & CUSTOM_KINDS == {"ServiceMonitor"}
    assert not [r for r in rendered("base") + rendered("dev") if r["kind"] in CUSTOM_KINDS], (
        "custom resources fail to apply where their operator is missing: prod only"
    )


def test_servicemonitor() -> None:
    resources = rendered("prod")
    (monitor,) = find_all(resources, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) == {"selector", "endpoints"}
    service = find(resources, "Service", "schema-registry")
    labels = service["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # The job label defaults to the Service name: the job monitoring/prometheus/alerts.yml names.
    alerts = (Path(__file__).parents[2] / "monitoring/prometheus/alerts.yml").read_text()
    assert f'job="{service["metadata"]["name"]}"' in alerts
    port_names = {port["name"] for port in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout"}
        assert endpoint["port"] in port_names
        assert endpoint["path"] == "/metrics"
