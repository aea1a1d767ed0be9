"""A kustomize subset that renders k8s/ without kubectl: resources, JSON 6902 and delete patches.

The kustomizations use only what this applies; anything else is refused (ValueError), never
skipped, and test_render.py checks the output against `kubectl kustomize` where kubectl exists.
`python -m tests.k8s.render k8s/overlays/prod` prints the rendered manifests.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

Resource = dict[str, Any]

_FIELDS = {"apiVersion", "kind", "resources", "patches"}
_TARGET_FIELDS = {"kind", "name", "namespace", "group", "version"}


def load_documents(text: str) -> list[Resource]:
    """Every non-empty document of a YAML stream."""
    return [doc for doc in YAML(typ="safe").load_all(text) if doc]


def render(directory: Path) -> list[Resource]:
    """The resources `kubectl kustomize directory` would print, in input order."""
    kustomization = YAML(typ="safe").load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - _FIELDS
    if unknown:
        raise ValueError(f"{directory}: kustomization fields not supported: {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources.extend(render(path))
        else:
            resources.extend(load_documents(path.read_text()))
    for patch in kustomization.get("patches", []):
        resources = _apply_patch(resources, patch, directory)
    return resources


def _apply_patch(
    resources: list[Resource], patch: dict[str, Any], directory: Path
) -> list[Resource]:
    body = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    operations = YAML(typ="safe").load(body)
    if "target" not in patch:
        return _delete(resources, operations)
    target = patch["target"]
    if set(target) - _TARGET_FIELDS:
        raise ValueError(
            f"patch target fields not supported: {sorted(set(target) - _TARGET_FIELDS)}"
        )
    if not isinstance(operations, list):
        raise ValueError("only JSON 6902 patches (a list of operations) take a target")
    matched = [resource for resource in resources if _matches(resource, target)]
    if not matched:
        raise ValueError(f"patch target {target} matches no resource")
    for resource in matched:
        for operation in operations:
            _apply_operation(resource, operation)
    return resources


def _matches(resource: Resource, target: dict[str, str]) -> bool:
    group, _, version = resource["apiVersion"].rpartition("/")
    actual = {
        "kind": resource["kind"],
        "name": resource["metadata"]["name"],
        "namespace": resource["metadata"].get("namespace", ""),
        "group": group,
        "version": version,
    }
    return all(actual[field] == value for field, value in target.items())


def _delete(resources: list[Resource], body: Any) -> list[Resource]:
    # The one strategic-merge form used: a whole resource marked `$patch: delete`.
    if not isinstance(body, dict) or body.get("$patch") != "delete":
        raise ValueError("patches without a target must be `$patch: delete` (no strategic merge)")
    key = _identity(body)
    kept = [resource for resource in resources if _identity(resource) != key]
    if len(kept) == len(resources):
        raise ValueError(f"delete patch {key} matches no resource")
    return kept


def _identity(resource: Resource) -> tuple[str, str, str, str]:
    metadata = resource["metadata"]
    return (
        resource["apiVersion"],
        resource["kind"],
        metadata.get("namespace", ""),
        metadata["name"],
    )


def _apply_operation(document: Resource, operation: dict[str, Any]) -> None:
    op, tokens = operation["op"], _pointer(operation["path"])
    parent: Any = document
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    if op == "remove":
        del parent[int(last) if isinstance(parent, list) else last]
    elif op == "replace":
        index = int(last) if isinstance(parent, list) else last
        parent[index]
        parent[index] = operation["value"]
    elif op == "add" and isinstance(parent, list):
        parent.insert(len(parent) if last == "-" else int(last), operation["value"])
    elif op == "add":
        parent[last] = operation["value"]
    else:
        raise ValueError(f"JSON 6902 op {op!r} not supported")


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"{path!r} is not a JSON pointer")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def dump(resources: Iterable[Resource]) -> str:
    """A multi-document YAML stream."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump_all(list(resources), stream)
    return stream.getvalue()


if __name__ == "__main__":
    sys.stdout.write(dump(render(Path(sys.argv[1]))))
