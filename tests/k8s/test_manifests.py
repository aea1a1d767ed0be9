"""The properties issue 11 asks of the manifests, checked on every rendered variant."""

from __future__ import annotations

import ast
import inspect
import re
import tomllib
from typing import Any

import pytest
from aiohttp import web

from service.api.routes import ROUTES
from tests.k8s.manifests import (
    NAMESPACE,
    ROOT,
    VARIANTS,
    containers,
    find,
    find_all,
    pod_template,
    rendered,
    workloads,
)

ALL = sorted(VARIANTS)
GET_PATHS = {path for method, path, *_ in ROUTES if method == "GET"}
# Room for the cleanup contexts (notifier lease release, store close) after the HTTP shutdown.
CLEANUP_SECONDS = 10


def _registry(variant: str) -> dict[str, Any]:
    return find(rendered(variant), "Deployment", "schema-registry")


def _etcd(variant: str) -> dict[str, Any]:
    return find(rendered(variant), "StatefulSet", "etcd")


@pytest.mark.parametrize(("variant", "replicas", "members"), [("base", 3, 3), ("dev", 1, 1)])
def test_replicas(variant: str, replicas: int, members: int) -> None:
    assert _registry(variant)["spec"]["replicas"] == replicas
    assert _etcd(variant)["spec"]["replicas"] == members
    assert not find_all(rendered(variant), "HorizontalPodAutoscaler")


def test_prod_replicas_belong_to_the_autoscaler() -> None:
    resources = rendered("prod")
    assert "replicas" not in _registry("prod")["spec"]
    hpa = find(resources, "HorizontalPodAutoscaler", "schema-registry")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "schema-registry",
    }
    assert hpa["spec"]["minReplicas"] == 3 < hpa["spec"]["maxReplicas"]
    budget = find(resources, "PodDisruptionBudget", "schema-registry")
    assert budget["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    assert _etcd("prod")["spec"]["replicas"] == 3


@pytest.mark.parametrize("variant", ALL)
def test_etcd_members_and_store_url_agree(variant: str) -> None:
    etcd = _etcd(variant)
    members = etcd["spec"]["replicas"]
    env = {e["name"]: e.get("value") for e in containers(etcd)[0]["env"]}
    names = [f"etcd-{i}.etcd.{NAMESPACE}.svc" for i in range(members)]
    assert env["INITIAL_CLUSTER"] == ",".join(
        f"etcd-{i}=http://{name}:2380" for i, name in enumerate(names)
    )
    store = find(rendered(variant), "ConfigMap", "schema-registry")["data"]["SCHEMA_REGISTRY_STORE"]
    assert store == "etcd://" + ",".join(f"{name}:2379" for name in names) + "/schema-registry/"
    headless = find(rendered(variant), "Service", "etcd")["spec"]
    assert headless["clusterIP"] == "None"
    assert headless["publishNotReadyAddresses"] is True
    assert etcd["spec"]["serviceName"] == "etcd"
    claim = etcd["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"]
    mounts = {m["name"]: m["mountPath"] for m in containers(etcd)[0]["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/var/lib/etcd"
    assert "--data-dir=/var/lib/etcd/data" in containers(etcd)[0]["args"]


@pytest.mark.parametrize("variant", ALL)
def test_probes_hit_routes_the_app_serves(variant: str) -> None:
    (container,) = containers(_registry(variant))
    probes = {
        kind: container[kind]["httpGet"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes["livenessProbe"]["path"] == probes["startupProbe"]["path"] == "/health/live"
    assert probes["readinessProbe"]["path"] == "/health/ready"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in probes.values():
        assert probe["path"] in GET_PATHS
        assert probe["port"] in ports
    assert ports["http"] == 8000


def _shutdown_timeout() -> float:
    """The shutdown_timeout `schema-registry serve` passes to web.run_app (its default if none)."""
    tree = ast.parse((ROOT / "service" / "cli.py").read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run_app"
    ]
    assert len(calls) == 1
    for keyword in calls[0].keywords:
        if keyword.arg == "shutdown_timeout":
            value = ast.literal_eval(keyword.value)
            assert isinstance(value, int | float), "shutdown_timeout must be a literal here"
            return float(value)
    default = inspect.signature(web.run_app).parameters["shutdown_timeout"].default
    assert isinstance(default, float)
    return default


@pytest.mark.parametrize("variant", ALL)
def test_termination_grace_outlasts_prestop_and_shutdown(variant: str) -> None:
    spec = pod_template(_registry(variant))["spec"]
    (container,) = spec["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])
    assert pre_stop >= 5, "endpoint removal needs a few seconds to reach the ingress controller"
    grace = spec["terminationGracePeriodSeconds"]
    assert grace >= pre_stop + _shutdown_timeout() + CLEANUP_SECONDS


@pytest.mark.parametrize("variant", ALL)
def test_pods_are_locked_down(variant: str) -> None:
    for workload in workloads(rendered(variant)):
        spec = pod_template(workload)["spec"]
        name = workload["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["enableServiceLinks"] is False, name
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] > 0, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in containers(workload):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["runAsNonRoot"] is True, name
            assert context.get("privileged", False) is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[bound]), f"{name} {bound}"


@pytest.mark.parametrize("variant", ALL)
def test_registry_pods_have_a_writable_tmp_only(variant: str) -> None:
    for workload in workloads(rendered(variant)):
        if workload["metadata"]["name"] == "etcd":
            continue
        volumes = {v["name"]: v for v in pod_template(workload)["spec"]["volumes"]}
        (container,) = containers(workload)
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
        writable = [path for path, mount in mounts.items() if not mount.get("readOnly")]
        assert writable == ["/tmp"]


def test_namespace_enforces_restricted_pod_security() -> None:
    for variant in ALL:
        labels = find(rendered(variant), "Namespace", NAMESPACE)["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        for resource in rendered(variant):
            if resource["kind"] != "Namespace":
                assert resource["metadata"]["namespace"] == NAMESPACE, resource["metadata"]["name"]


@pytest.mark.parametrize("variant", ALL)
def test_images_are_pinned(variant: str) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for workload in workloads(rendered(variant)):
        for container in containers(workload):
            image = container["image"]
            name, _, tag = image.rpartition(":")
            assert "/" not in tag, f"{image}: untagged"
            assert tag != "latest", image
            assert re.fullmatch(r"v?\d+\.\d+\.\d+", tag), f"{image}: pin a release version"
            if name.endswith("/schema-registry"):
                assert tag == version, "the image tag follows pyproject.toml's version"


@pytest.mark.parametrize("variant", ALL)
def test_topology_spread_across_nodes(variant: str) -> None:
    spec = pod_template(_registry(variant))["spec"]
    labels = pod_template(_registry(variant))["metadata"]["labels"]
    (by_node,) = [
        c for c in spec["topologySpreadConstraints"] if c["topologyKey"] == "kubernetes.io/hostname"
    ]
    assert by_node["maxSkew"] == 1
    assert by_node["whenUnsatisfiable"] == "DoNotSchedule"
    assert by_node["labelSelector"]["matchLabels"].items() <= labels.items()
    anti = pod_template(_etcd(variant))["spec"]["affinity"]["podAntiAffinity"]
    (rule,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"


@pytest.mark.parametrize("variant", ALL)
def test_least_privilege_rbac(variant: str) -> None:
    resources = rendered(variant)
    role = find(resources, "Role", "schema-registry")
    assert role["rules"] == []
    assert not find_all(resources, "ClusterRole")
    assert not find_all(resources, "ClusterRoleBinding")
    accounts = {a["metadata"]["name"]: a for a in find_all(resources, "ServiceAccount")}
    assert all(a["automountServiceAccountToken"] is False for a in accounts.values())
    binding = find(resources, "RoleBinding", "schema-registry")
    assert binding["roleRef"]["name"] == "schema-registry"
    for subject in binding["subjects"]:
        assert subject["name"] in accounts
    for workload in workloads(resources):
        assert pod_template(workload)["spec"]["serviceAccountName"] in accounts


@pytest.mark.parametrize("variant", ALL)
def test_service_and_ingress_reach_the_pods(variant: str) -> None:
    resources = rendered(variant)
    service = find(resources, "Service", "schema-registry")
    pod_labels = pod_template(_registry(variant))["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (container,) = containers(_registry(variant))
    port_names = {port["name"] for port in container["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names
    ingress = find(resources, "Ingress", "schema-registry")["spec"]
    tls_hosts = {host for entry in ingress["tls"] for host in entry["hosts"]}
    assert all(entry["secretName"] for entry in ingress["tls"])
    for rule in ingress["rules"]:
        assert rule["host"] in tls_hosts
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "schema-registry"
            assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}


def test_disruption_budgets_keep_replicas_and_quorum() -> None:
    resources = rendered("base")
    registry = find(resources, "PodDisruptionBudget", "schema-registry")["spec"]
    assert 0 < registry["minAvailable"] < _registry("base")["spec"]["replicas"]
    etcd = find(resources, "PodDisruptionBudget", "etcd")["spec"]
    members = _etcd("base")["spec"]["replicas"]
    assert members - etcd["maxUnavailable"] > members // 2
    assert not find_all(rendered("dev"), "PodDisruptionBudget"), "one replica: would block drains"


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return bool(wanted.items() <= labels.items())


@pytest.mark.parametrize("variant", ALL)
def test_network_policies(variant: str) -> None:
    resources = rendered(variant)
    policies = {p["metadata"]["name"]: p for p in find_all(resources, "NetworkPolicy")}
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for workload in workloads(resources):
        labels = pod_template(workload)["metadata"]["labels"]
        own = [p for n, p in policies.items() if n != "default-deny" and _selects(p, labels)]
        assert len(own) == 1, workload["metadata"]["name"]
    registry = policies["schema-registry"]["spec"]
    (ingress,) = registry["ingress"]
    sources = {
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for peer in ingress["from"]
    }
    assert sources == {"ingress-nginx", "monitoring"}
    assert [port["port"] for port in ingress["ports"]] == [8000]
    egress_ports = {port["port"] for rule in registry["egress"] for port in rule["ports"]}
    assert egress_ports == {2379, 53, 443}
    for rule in registry["egress"]:
        for peer in rule["to"]:
            if "ipBlock" in peer:
                assert {"10.0.0.0/8", "169.254.0.0/16"} <= set(peer["ipBlock"]["except"])
    assert "ingress" not in policies["schema-registry-backup"]["spec"]


@pytest.mark.parametrize("variant", ALL)
def test_metrics_are_scraped(variant: str) -> None:
    annotations = pod_template(_registry(variant))["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] in GET_PATHS
    (container,) = containers(_registry(variant))
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]
