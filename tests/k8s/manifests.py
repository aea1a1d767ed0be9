"""The rendered k8s/ variants (base, dev, prod) and lookups the manifest tests share."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.k8s.render import Resource, load_documents, render

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
VARIANTS = {
    "base": K8S / "base",
    "dev": K8S / "overlays" / "dev",
    "prod": K8S / "overlays" / "prod",
}
SECRET_TEMPLATES = sorted((K8S / "secrets").glob("*.template.yaml"))
NAMESPACE = "schema-registry"
PLACEHOLDER = "REPLACE_ME"
# Custom resources: not part of the Kubernetes API that kubernetes-validate ships schemas for.
CUSTOM_KINDS = {"ServiceMonitor"}


@functools.cache
def _rendered(variant: str) -> tuple[Resource, ...]:
    return tuple(render(VARIANTS[variant]))


def rendered(variant: str) -> list[Resource]:
    """The variant's resources (a fresh list; the resources themselves are shared)."""
    return list(_rendered(variant))


def secret_templates() -> list[Resource]:
    return [doc for path in SECRET_TEMPLATES for doc in load_documents(path.read_text())]


def find(resources: list[Resource], kind: str, name: str) -> Resource:
    matches = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def find_all(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def pod_template(resource: Resource) -> dict[str, Any]:
    """The pod template of a Deployment, StatefulSet or CronJob."""
    if resource["kind"] == "CronJob":
        template: dict[str, Any] = resource["spec"]["jobTemplate"]["spec"]["template"]
        return template
    template = resource["spec"]["template"]
    return template


def workloads(resources: list[Resource]) -> Iterator[Resource]:
    return (r for r in resources if r["kind"] in ("Deployment", "StatefulSet", "CronJob"))


def containers(resource: Resource) -> list[dict[str, Any]]:
    spec = pod_template(resource)["spec"]
    found: list[dict[str, Any]] = spec["containers"] + spec.get("initContainers", [])
    return found
