"""`schema-registry publish`: pushes the versions a registry lacks, oldest first within each id,
and stops at the first one it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.diffbot.remote import Answer, Registry, RemoteError, path_of
from service.diffbot.schemafile import SchemaFile
from service.diffbot.tree import Snapshot
from service.domain.config import CompatConfig, parse_config
from service.domain.documents import canonical_bytes, fingerprint
from service.domain.errors import DomainError
from service.domain.publishing import ExistingVersion, plan_publish
from service.domain.versions import Version

Say = Callable[[str], None]


class Refused(Exception):
    """The registry refused a version (or holds different content under its number)."""


def _describe_refusal(file: SchemaFile, answer: Answer) -> str:
    lines = [
        f"{file.path}: the registry refused {file.schema_id} {file.version}: {answer.error_text()}"
    ]
    try:
        details: dict[str, Any] = answer.json().get("details") or {}
    except (RemoteError, AttributeError):
        details = {}
    for change in details.get("changes", []):
        flag = "breaking  " if change.get("breaking") else "compatible"
        lines.append(f"    {flag} {change.get('path')}: {change.get('message')}")
    if details.get("required_bump"):
        lines.append(f"    the changes require a {str(details['required_bump']).upper()} bump")
    for problem in details.get("problems", []):
        lines.append(f"    {problem}")
    return "\n".join(lines)


async def _stored_versions(registry: Registry, schema_id: str) -> list[str]:
    answer = await registry.request("GET", path_of("schema", schema_id, "versions"))
    if answer.status == 404:
        return []
    if answer.status != 200:
        raise RemoteError(f"versions of {schema_id}: {answer.error_text()}")
    versions: list[str] = answer.json()["versions"]
    return versions


async def _check_present(registry: Registry, file: SchemaFile) -> None:
    answer = await registry.request("GET", path_of("schema", file.schema_id, str(file.version)))
    if answer.status != 200:
        raise RemoteError(f"{file.schema_id} {file.version}: {answer.error_text()}")
    if answer.etag != f'"{file.prepared.fingerprint}"':
        raise Refused(
            f"{file.path}: differs from the published {file.schema_id} {file.version}; "
            "published versions are immutable: restore the file and publish a new version"
        )


async def _push(registry: Registry, file: SchemaFile) -> bool:
    """True when created, False when the registry already held identical content."""
    path = path_of("schema", file.schema_id)
    answer = await registry.request("POST", path, body=file.prepared.canonical)
    if answer.status in (200, 201):
        return answer.status == 201
    raise Refused(_describe_refusal(file, answer))


async def _stored_documents(
    registry: Registry, schema_id: str, stored: list[str]
) -> list[ExistingVersion]:
    existing = []
    for version in stored:
        answer = await registry.request("GET", path_of("schema", schema_id, version))
        if answer.status != 200:
            raise RemoteError(f"{schema_id} {version}: {answer.error_text()}")
        canonical = canonical_bytes(answer.json())
        existing.append(ExistingVersion(Version.parse(version), canonical, fingerprint(canonical)))
    return existing


async def _dry_run(registry: Registry, files: list[SchemaFile], stored: list[str], say: Say) -> int:
    """Plans each missing version with the registry's own rules, without writing anything."""
    schema_id = files[0].schema_id
    existing = await _stored_documents(registry, schema_id, stored)
    answer = await registry.request("GET", path_of("config", schema_id))
    config = parse_config(answer.json()) if answer.status == 200 else CompatConfig()
    planned = 0
    for file in (file for file in files if str(file.version) not in stored):
        try:
            plan = plan_publish(file.prepared, existing, config)
        except DomainError as exc:
            raise Refused(f"{file.path}: the registry would refuse it: {exc.message}") from exc
        say(f"would publish: {schema_id} {file.version} (changes require {plan.required_bump})")
        prepared = file.prepared
        existing.append(ExistingVersion(prepared.version, prepared.canonical, prepared.fingerprint))
        planned += 1
    return planned


async def publish_snapshot(registry: Registry, snapshot: Snapshot, dry_run: bool, say: Say) -> int:
    """Publishes what `registry` lacks; 0 when everything is there (or would be), 1 on the first
    refusal. Raises RemoteError when the registry cannot be read at all."""
    by_id: dict[str, list[SchemaFile]] = {}
    for key in sorted(snapshot.files):
        by_id.setdefault(key[0], []).append(snapshot.files[key])
    counts = {"published": 0, "present": 0}
    try:
        for schema_id, files in by_id.items():
            stored = await _stored_versions(registry, schema_id)
            for file in files:
                if str(file.version) in stored:
                    await _check_present(registry, file)
                    counts["present"] += 1
            if dry_run:
                counts["published"] += await _dry_run(registry, files, stored, say)
                continue
            for file in files:
                if str(file.version) in stored:
                    continue
                created = await _push(registry, file)
                counts["published" if created else "present"] += 1
                outcome = "published" if created else "already present"
                say(f"{outcome}: {file.schema_id} {file.version}")
    except Refused as exc:
        say(str(exc))
        say(f"stopped: {counts['published']} published, {counts['present']} already present")
        return 1
    verb = "would publish" if dry_run else "published"
    say(f"done: {verb} {counts['published']}, {counts['present']} already present")
    return 0
