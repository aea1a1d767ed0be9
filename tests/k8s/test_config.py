"""The manifests' configuration is what the code reads: variable names, values, commands."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from service import cli
from service.backup import cli as backup_cli
from service.backup.snapshot import ENV_ETCDCTL
from service.backup.stores import ENV_STORE
from service.settings import _OPTIONS, ENV_SLACK_WEBHOOK_URL, build_settings, env_name
from service.storage import open_store
from tests.k8s.manifests import (
    PLACEHOLDER,
    VARIANTS,
    containers,
    find,
    find_all,
    rendered,
    secret_templates,
    workloads,
)

ALL = sorted(VARIANTS)
KNOWN = {env_name(option) for option in _OPTIONS} | {
    ENV_SLACK_WEBHOOK_URL,
    ENV_STORE,
    ENV_ETCDCTL,
    backup_cli.ENV_BUCKET,
    backup_cli.ENV_PREFIX,
}
# The AWS SDK's own variables (README: Backups to S3).
AWS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3"}


def _config(variant: str) -> dict[str, str]:
    data: dict[str, str] = find(rendered(variant), "ConfigMap", "schema-registry")["data"]
    return data


def _app_containers(variant: str) -> list[dict[str, Any]]:
    return [
        container
        for workload in workloads(rendered(variant))
        for container in containers(workload)
        if workload["metadata"]["name"] != "etcd"
    ]


@pytest.mark.parametrize("variant", ALL)
def test_variable_names_are_ones_the_code_reads(variant: str) -> None:
    names = set(_config(variant))
    for container in _app_containers(variant):
        names |= {entry["name"] for entry in container.get("env", [])}
    assert names <= KNOWN | AWS, names - KNOWN - AWS


@pytest.mark.parametrize("variant", ALL)
def test_serve_settings_build_from_the_configmap(
    variant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dict(_config(variant))
    # The mounted Secret's stand-in: a real key, so the settings read and parse it.
    key = tmp_path / "public.pem"
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    key.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert config["SCHEMA_REGISTRY_JWT_PUBLIC_KEY"].startswith("/etc/schema-registry/jwt/")
    config["SCHEMA_REGISTRY_JWT_PUBLIC_KEY"] = str(key)
    (container,) = containers(find(rendered(variant), "Deployment", "schema-registry"))
    assert container["command"] == ["schema-registry"]
    args = cli._parser().parse_args(container["args"])
    assert args.command == "serve"
    settings = build_settings(vars(args), env=config)
    assert settings.store_url.startswith("etcd://")
    open_store(settings.store_url)  # parses the URL; connects nothing
    assert (settings.host, settings.port) == ("0.0.0.0", 8000)
    assert settings.jwt.public_key is not None
    assert settings.jwt.issuer is not None
    assert not settings.dev


@pytest.mark.parametrize("variant", ALL)
def test_backup_cronjob_commands_parse_with_the_real_cli(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (job,) = find_all(rendered(variant), "CronJob")
    (container,) = containers(job)
    shell, flag, script = container["command"]
    assert (shell, flag) == ("/bin/sh", "-c")
    assert script == (
        "schema-registry backup create && schema-registry backup prune --keep-last 7 --keep-days 30"
    )
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    # The backup parser reads its defaults from the environment when built: the pod's.
    for name, value in _config(variant).items():
        monkeypatch.setenv(name, value)
    parsed = []
    for step in script.split("&&"):
        program, *argv = shlex.split(step)
        assert program == "schema-registry"
        args = cli._parser().parse_args(argv)
        assert backup_cli._usage_error(args) is None, step
        parsed.append(args)
    create, prune = parsed
    assert create.backup_command == "create"
    assert create.store == _config(variant)[ENV_STORE]
    assert (prune.backup_command, prune.keep_last, prune.keep_days) == ("prune", 7, 30)


def _referenced_secrets(variant: str) -> dict[str, set[str]]:
    """Secret name → keys the pods read from it (env and volumes)."""
    refs: dict[str, set[str]] = {}
    for workload in workloads(rendered(variant)):
        spec = (
            workload["spec"]["jobTemplate"]["spec"]
            if workload["kind"] == "CronJob"
            else workload["spec"]
        )
        for volume in spec["template"]["spec"].get("volumes", []):
            if "secret" in volume:
                items = volume["secret"]["items"]
                refs.setdefault(volume["secret"]["secretName"], set()).update(
                    i["key"] for i in items
                )
        for container in containers(workload):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(ref["name"], set()).add(ref["key"])
    return refs


@pytest.mark.parametrize("variant", ALL)
def test_secrets_are_referenced_never_inlined(variant: str) -> None:
    assert not find_all(rendered(variant), "Secret"), "kubectl apply -k would overwrite real keys"
    for container in _app_containers(variant):
        for entry in container.get("env", []):
            assert "value" not in entry or "SECRET" not in entry["name"], entry["name"]
    assert "SCHEMA_REGISTRY_JWT_SECRET" not in _config(variant)
    templates = {t["metadata"]["name"]: t for t in secret_templates()}
    for name, keys in _referenced_secrets(variant).items():
        assert keys <= set(templates[name]["stringData"]), name


def test_secret_templates_hold_placeholders_only() -> None:
    templates = secret_templates()
    assert {t["metadata"]["name"] for t in templates} == {
        "schema-registry-jwt",
        "schema-registry-slack",
        "schema-registry-s3",
    }
    for template in templates:
        assert "data" not in template
        assert set(template["stringData"].values()) == {PLACEHOLDER}
