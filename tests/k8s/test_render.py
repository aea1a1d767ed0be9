"""The tests' kustomize subset renders what `kubectl kustomize` does, and refuses the rest."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.k8s.manifests import VARIANTS, rendered
from tests.k8s.render import Resource, load_documents, render


def _by_identity(resources: list[Resource]) -> dict[tuple[str, str, str, str], Resource]:
    keyed = {}
    for resource in resources:
        metadata = resource["metadata"]
        key = (
            resource["apiVersion"],
            resource["kind"],
            metadata.get("namespace", ""),
            metadata["name"],
        )
        assert key not in keyed, f"{key} rendered twice"
        keyed[key] = resource
    return keyed


# kubectl is not a Debian package and not on every machine: its own marker, deselected by
# default (pyproject addopts); `pytest -m kubectl tests/k8s` runs it where kubectl exists.
@pytest.mark.kubectl
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_renderer_agrees_with_kubectl_kustomize(variant: str) -> None:
    output = subprocess.run(
        ["kubectl", "kustomize", str(VARIANTS[variant])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert _by_identity(rendered(variant)) == _by_identity(load_documents(output))


def _kustomization(tmp_path: Path, text: str) -> Path:
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: {a: '1'}\n"
    )
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n" + text)
    return tmp_path


@pytest.mark.parametrize(
    "text",
    [
        "namePrefix: x-\n",
        "patches:\n  - patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {}}'\n",
        "patches:\n  - target: {kind: ConfigMap, name: other}\n"
        "    patch: '[{op: remove, path: /data}]'\n",
        "patches:\n  - target: {kind: ConfigMap}\n"
        "    patch: '[{op: move, from: /data, path: /x}]'\n",
    ],
    ids=["unknown-field", "strategic-merge", "no-match", "unsupported-op"],
)
def test_renderer_refuses_what_it_does_not_implement(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match=r"not supported|matches no resource|must be"):
        render(_kustomization(tmp_path, text))


def test_json6902_operations(tmp_path: Path) -> None:
    patch = (
        "patches:\n  - target: {kind: ConfigMap, name: c}\n    patch: |-\n"
        "      - {op: add, path: /data/b, value: '2'}\n"
        "      - {op: replace, path: /data/a, value: '3'}\n"
        "      - {op: add, path: /metadata/labels, value: {'x/y': z}}\n"
        "      - {op: remove, path: /metadata/labels/x~1y}\n"
    )
    (resource,) = render(_kustomization(tmp_path, patch))
    assert resource["data"] == {"a": "3", "b": "2"}
    assert resource["metadata"]["labels"] == {}
